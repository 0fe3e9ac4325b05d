"""`pointsPosted` across server processes on PostgreSQL: a posting made through one
process reaches a subscriber connected to another (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from tortoise import connections
from websockets.asyncio.client import connect

from core.ids import to_global_id
from models.enums import Role
from services.points.events import CHANNEL
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.processes import server_processes

POSTED = "subscription { pointsPosted { kind points balanceAfter reason } }"
ADJUST = """mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { errors { code } }
}"""
LISTEN_POLLS = 300  # x 0.1 s


async def _listening() -> None:
    """Wait until some process LISTENs for postings on this database."""
    query = (
        "SELECT count(*) AS n FROM pg_stat_activity "
        "WHERE datname = current_database() AND query = $1"
    )
    for _ in range(LISTEN_POLLS):
        rows = await connections.get("default").execute_query_dict(query, [f'LISTEN "{CHANNEL}"'])
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("no server process started listening")


@asynccontextmanager
async def _subscription(url: str, token: str) -> AsyncIterator[Any]:
    async with connect(
        url.replace("http://", "ws://") + "/graphql",
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
    async with (
        server_processes(2) as (subscriber, writer),
        _subscription(subscriber, token) as ws,
    ):
        await _listening()
        adjust = {
            "memberId": to_global_id("Member", member.id),
            "points": 300,
            "reason": "Cross-process",
            "idempotencyKey": "xp-1",
        }
        async with httpx.AsyncClient(base_url=writer) as http:
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
