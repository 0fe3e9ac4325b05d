"""kill -9 of a server in the middle of its writes: every change it committed has the
audit entry that records it, and the chain and the ledger still verify (DESIGN §4)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal

import httpx

from models.audit import AuditEntry
from models.enums import AuditOutcome, PointsEntryKind, Role
from models.points import PointsEntry, Purchase
from services.audit import verify_chain
from services.points import verify_ledger
from tests.conftest import staff_token
from tests.factories import make_member
from tests.points.helpers import RECORD, REDEEM, adjust, gid, staff_api
from tests.processes import servers

CLIENTS = 8


async def _load(url: str, token: str, member_ids: list[int], client: int) -> None:
    """Purchases and redemptions, one after another, until the server goes away."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30) as http:
        for n in itertools.count():
            member = gid(member_ids[n % len(member_ids)])
            purchase = {"memberId": member, "orderRef": f"c{client}-{n}", "amount": "12.00"}
            redemption = {
                "memberId": member,
                "points": 1,
                "purpose": "GIFT",
                "idempotencyKey": f"c{client}-{n}",
            }
            try:
                for query, input in ((RECORD, purchase), (REDEEM, redemption)):
                    await http.post(
                        f"{url}/graphql",
                        headers=headers,
                        json={"query": query, "variables": {"input": input}},
                    )
            except httpx.TransportError:
                return


async def _committed(purchases: int) -> None:
    for _ in range(1200):
        if await Purchase.all().count() >= purchases:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the server committed no purchases")


def _audited(entries: list[AuditEntry], field: str, key: str) -> set[str]:
    return {
        entry.variables["input"][key]  # type: ignore[index]
        for entry in entries
        if entry.fields_ == [field] and entry.outcome is AuditOutcome.OK
    }


async def test_every_change_committed_before_a_kill_has_its_entry(api):
    # Given members with points and a server process writing purchases and redemptions
    # for them from several clients,
    members = [await make_member() for _ in range(4)]
    operations = await staff_api(api)
    for member in members:
        assert (await adjust(operations, member.id, 10_000, f"fund-{member.id}"))["errors"] == []
    token = await staff_token(Role.SERVICE, "crash-load")
    async with servers(1) as [server]:
        load = [
            asyncio.ensure_future(_load(server.url, token, [m.id for m in members], client))
            for client in range(CLIENTS)
        ]
        # when it is killed with SIGKILL in the middle of that load,
        await _committed(40)
        os.kill(server.process.pid, signal.SIGKILL)
        await asyncio.to_thread(server.process.wait)
        await asyncio.gather(*load)
    # then every purchase and every redemption it committed has its entry,
    entries = await AuditEntry.all()
    purchases = set(await Purchase.all().values_list("order_ref", flat=True))
    assert purchases and purchases <= _audited(entries, "recordPurchase", "orderRef")
    redeemed = set(
        await PointsEntry.filter(kind=PointsEntryKind.REDEEM).values_list(
            "idempotency_key", flat=True
        )
    )
    assert redeemed <= _audited(entries, "redeemPoints", "idempotencyKey")
    # and the chain and the ledger verify.
    assert (await verify_chain()).ok
    assert await verify_ledger() == []
