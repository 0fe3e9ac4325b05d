"""Other processes on the test's own database: the CLI, and real servers (uvicorn, as
operators run it) for the multi-process tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor

from models.db import APP_LABEL, MIGRATIONS_MODULE

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the test's own database, for other processes to open."""
    client = connections.get("default")
    if client.capabilities.dialect == "sqlite":
        return f"sqlite://{client.filename}"
    return (
        f"postgres://{client.user}:{client.password}@{client.host}:{client.port}/{client.database}"
    )


async def record_migrations() -> None:
    """The test's database is built from the models, where every migration leads: recorded
    as applied (Tortoise's fake migrate), the CLI takes it for the migrated database it is."""
    apps = {APP_LABEL: {"migrations": MIGRATIONS_MODULE}}
    await MigrationExecutor(connections.get("default"), apps).migrate(fake=True)


async def memberhub_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`memberhub ARGS` run against the test's database, as an operator's script would."""
    await record_migrations()
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": database_url()}
    command = [sys.executable, "-m", "app.cli", *args]
    return await asyncio.to_thread(
        subprocess.run, command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def python_on(url: str, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c CODE ARGS` in a process of its own, on the database `url`."""
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_ready(http: httpx.AsyncClient, url: str, process: subprocess.Popen[str]) -> None:
    for _ in range(600):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if (await http.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not become ready")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]


@asynccontextmanager
async def servers(count: int) -> AsyncIterator[list[Server]]:
    """`count` memberhub processes on the test's database, once all are ready."""
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": database_url()}
    ports = [free_port() for _ in range(count)]
    started = [
        Server(
            f"http://127.0.0.1:{port}",
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "app.server:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for port in ports
    ]
    try:
        async with httpx.AsyncClient() as http:
            for server in started:
                await _wait_ready(http, server.url, server.process)
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in started:
            await asyncio.to_thread(server.process.wait, 30)


@asynccontextmanager
async def server_processes(count: int) -> AsyncIterator[list[str]]:
    """`count` memberhub processes on the test's database; their base URLs once all are ready."""
    async with servers(count) as started:
        yield [server.url for server in started]
