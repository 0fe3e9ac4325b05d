"""`pointsPosted` across server processes on PostgreSQL: a posting made through one
process reaches a subscriber connected to another (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from tortoise import connections
from websockets.asyncio.client import connect

from models.enums import Role
from schema.ids import to_global_id
from services.points.events import CHANNEL
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.points.helpers import ROOT, database_url

POSTED = "subscription { pointsPosted { kind points balanceAfter reason } }"
ADJUST = """mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { errors { code } }
}"""
STARTUP_POLLS = 300  # x 0.1 s


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _servers(count: int, database_url: str) -> Iterator[list[int]]:
    ports = [_free_port() for _ in range(count)]
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": database_url}
    processes = [
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
        )
        for port in ports
    ]
    try:
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


async def _ready(port: int) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(STARTUP_POLLS):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server on port {port} never became ready")


async def _listening() -> None:
    """Wait until some process LISTENs for postings on this database."""
    query = (
        "SELECT count(*) AS n FROM pg_stat_activity "
        "WHERE datname = current_database() AND query = $1"
    )
    for _ in range(STARTUP_POLLS):
        rows = await connections.get("default").execute_query_dict(query, [f'LISTEN "{CHANNEL}"'])
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("no server process started listening")


@asynccontextmanager
async def _subscription(port: int, token: str) -> AsyncIterator[Any]:
    async with connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"Authorization": f"Bearer {token}"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": POSTED}}))
        yield ws


async def test_a_posting_through_one_process_reaches_a_subscriber_on_another(db):
    client = connections.get("default")
    if client.capabilities.dialect != "postgres":
        pytest.skip("several server processes share a database on PostgreSQL only")
    member = await make_member()
    token, admin = await member_token(member.id), await staff_token(Role.ADMIN)
    with _servers(2, database_url()) as (subscriber_port, writer_port):
        await _ready(subscriber_port)
        await _ready(writer_port)
        async with _subscription(subscriber_port, token) as ws:
            await _listening()
            adjust = {
                "memberId": to_global_id("Member", member.id),
                "points": 300,
                "reason": "Cross-process",
                "idempotencyKey": "xp-1",
            }
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{writer_port}") as http:
                response = await http.post(
                    "/graphql",
                    json={"query": ADJUST, "variables": {"input": adjust}},
                    headers={"Authorization": f"Bearer {admin}"},
                )
            assert response.json()["data"]["adjustPoints"]["errors"] == []
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next", message
    assert message["payload"]["data"]["pointsPosted"] == {
        "kind": "ADJUST",
        "points": 300,
        "balanceAfter": 300,
        "reason": "Cross-process",
    }
