"""SQL statements per request of each workload, counted in-process on the bench database.

Run by `python -m bench` as `python -m bench.statements` with the bench's environment;
prints {"W1": n, "W2": n, "W3": n}. tests/bench checks the same counts stay constant.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any

import httpx
from tortoise.context import TortoiseContext

from app.server import create_app
from auth.authentication import issue_session
from bench.workloads import operation
from core.ids import to_global_id
from core.settings import get_settings
from models.db import tortoise_config
from models.member import Member
from models.staff import StaffUser
from services.clock import utcnow
from tests.sql_counter import count_sql


def requests(member_pk: int) -> dict[str, dict[str, Any]]:
    member_id = to_global_id("Member", member_pk)
    return {
        "W1": {"query": operation("MemberDetail"), "variables": {"id": member_id}},
        "W2": {"query": operation("MemberSearch"), "variables": {"first": 100}},
        "W3": {
            "query": operation("RecordPurchase"),
            "variables": {
                "input": {"memberId": member_id, "orderRef": uuid.uuid4().hex, "amount": "120.00"}
            },
        },
    }


async def count(http: httpx.AsyncClient, token: str, body: dict[str, Any]) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    async with count_sql() as counter:
        response = await http.post("/graphql", json=body, headers=headers)
    assert "errors" not in response.json(), response.text
    return counter.count


async def measure() -> dict[str, int]:
    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(
            config=tortoise_config(os.environ["MEMBERHUB_DATABASE_URL"]),
            _enable_global_fallback=True,
        )
        admin = await StaffUser.get(username="admin")
        token = (await issue_session(utcnow(), staff_id=admin.id)).token
        member = await Member.filter(status="ACTIVE").order_by("id").first()
        assert member is not None, "the bench database has no active member"
        app = create_app(get_settings(), manage_db=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            return {
                name: await count(http, token, body) for name, body in requests(member.id).items()
            }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure())))
