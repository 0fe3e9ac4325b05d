"""Start the servers under test as a user would: uvicorn, one process, on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Served(str):
    """A running server's base URL, which also knows the server's process id."""

    pid: int


@contextmanager
def running(argv: list[str], env: dict[str, str], ready_path: str) -> Iterator[Served]:
    """Run a server command on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    command = [arg.replace("{port}", str(port)) for arg in argv]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = Served(f"http://127.0.0.1:{port}")
    base.pid = process.pid
    try:
        _wait_ready(base + ready_path, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def memberhub(env: dict[str, str]) -> AbstractContextManager[Served]:
    # The API server alone, as the baseline is: a worker beside it would send W3's tier
    # notices on the same two cores while the load runs.
    argv = [
        str(Path(sys.executable).with_name("memberhub")),
        "serve",
        "--no-worker",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
    ]
    return running(argv, env, "/healthz")


def baseline(env: dict[str, str]) -> AbstractContextManager[Served]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return running(argv, env, "/healthz")
