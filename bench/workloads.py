"""The three workloads: what memberhub is asked, and the same asked of the baseline.

W1 one member's detail (the console's MemberDetail screen), W2 a page of 100 members
(MemberSearch), W3 recordPurchase from 50 concurrent clients.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx

from core.ids import to_global_id

# Verbatim copies of the console's documents (../shared/clients/console), so that the
# bench runs from a clone alone; tests/bench checks them against the schema and the console.
DOCUMENTS = Path(__file__).resolve().parent / "documents"
NAMES = ("W1", "W2", "W3")
# Reads: several clients at once, as a console office would; writes: a sale-time burst.
CONCURRENCY = {"W1": 16, "W2": 8, "W3": 50}
REQUESTS = {"W1": 3000, "W2": 600, "W3": 3000}
SECONDS = 20
ONE_CLIENT_REQUESTS = 1000
SAMPLE = 200


def operation(name: str) -> str:
    return (DOCUMENTS / f"{name}.graphql").read_text(encoding="utf-8")


def staff_token(hub_url: str) -> str:
    response = httpx.post(
        hub_url + "/graphql",
        json={
            "query": operation("StaffLogin"),
            "variables": {"username": "admin", "password": "memberhub-demo"},
        },
        timeout=30,
    )
    return str(response.json()["data"]["staffLogin"]["session"]["token"])


def member_ids(env: dict[str, str], *, newest: bool = False) -> list[int]:
    """A sample of active members: the oldest for the reads, the newest for W3's purchases,
    so a data set reused by a later run (--data) reads the same members it read before."""
    order = "DESC" if newest else "ASC"
    with sqlite3.connect(env["BENCH_DATABASE"]) as db:
        rows = db.execute(
            f"SELECT id FROM member WHERE status = 'ACTIVE' ORDER BY id {order} LIMIT ?", (SAMPLE,)
        ).fetchall()
    return [row[0] for row in rows]


def _graphql(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables})


def _bodies(name: str, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """(memberhub bodies, baseline bodies), pairwise the same request."""
    ids = member_ids(env, newest=name == "W3")
    if name == "W1":
        text = operation("MemberDetail")
        return (
            [_graphql(text, {"id": to_global_id("Member", pk)}) for pk in ids],
            [json.dumps({"id": pk}) for pk in ids],
        )
    if name == "W2":
        return [_graphql(operation("MemberSearch"), {"first": 100})], [json.dumps({"first": 100})]
    text = operation("RecordPurchase")
    hub, base = [], []
    for index in range(REQUESTS["W3"]):
        pk = ids[index % len(ids)]
        amount = f"{50 + index % 400}.00"
        order_ref = f"bench-{uuid.uuid4().hex}"
        hub.append(
            _graphql(
                text,
                {
                    "input": {
                        "memberId": to_global_id("Member", pk),
                        "orderRef": order_ref,
                        "amount": amount,
                    }
                },
            )
        )
        base.append(json.dumps({"memberId": pk, "orderRef": f"base-{order_ref}", "amount": amount}))
    return hub, base


def specs(
    name: str,
    hub_url: str,
    base_url: str,
    token: str,
    env: dict[str, str],
    seconds: float = SECONDS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    hub_bodies, base_bodies = _bodies(name, env)
    common = {"concurrency": CONCURRENCY[name], "requests": REQUESTS[name], "seconds": seconds}
    hub = {
        **common,
        "url": hub_url + "/graphql",
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        "bodies": hub_bodies,
        "error_marker": '"errors":[{',
    }
    base = {
        **common,
        "url": f"{base_url}/{name.lower()}",
        "headers": hub["headers"],
        "bodies": base_bodies,
    }
    return hub, base


def one_client(name: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Requests like the workload's (new purchases for W3) from a single client, for
    latency without queueing."""
    bodies = _bodies(name, env)[0][:ONE_CLIENT_REQUESTS]
    return {**spec, "bodies": bodies, "concurrency": 1, "requests": ONE_CLIENT_REQUESTS}


def _without_cost(body: bytes) -> bytes:
    """memberhub's body less its trailing `"extensions":{"cost":N}` (a GraphQL-only figure)."""
    head, marker, _ = body.rpartition(b',"extensions":{"cost":')
    return head + b"}" if marker else body


def check_same_bytes(name: str, hub: dict[str, Any], base: dict[str, Any]) -> None:
    """The baseline must answer what memberhub answers; reads are compared byte for byte."""
    if name == "W3":
        return  # every purchase is a new row: tests/bench compares the shapes
    for hub_body, base_body in list(zip(hub["bodies"], base["bodies"], strict=True))[:20]:
        got_hub = httpx.post(hub["url"], content=hub_body, headers=hub["headers"]).content
        got_base = httpx.post(base["url"], content=base_body, headers=hub["headers"]).content
        if _without_cost(got_hub) != got_base:
            raise SystemExit(
                f"{name}: the baseline does not answer the same bytes:\n"
                f"memberhub {got_hub[:600]!r}\nbaseline  {got_base[:600]!r}"
            )
