"""A campaign's budget and per-member cap hold under concurrent purchases, in one process
and from several (DESIGN §9), as the ledger's concurrency is tested."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from models.campaign import Campaign, CampaignMember
from models.enums import PointsEntryKind
from models.points import PointsEntry
from services.clock import utcnow
from services.points import record_purchase, verify_ledger
from tests.campaigns.helpers import approved
from tests.factories import make_member
from tests.points.test_concurrency import run_together, worker


async def _given(campaign_id: int) -> dict[int, int]:
    rows = await PointsEntry.filter(campaign_id=campaign_id, kind=PointsEntryKind.EARN)
    given: dict[int, int] = {}
    for entry in rows:
        given[entry.member_id] = given.get(entry.member_id, 0) + entry.points
    return given


async def _check(budgeted: Campaign, capped: Campaign, members: list[int]) -> None:
    # the budget is given out exactly, never past it, each member within the cap,
    budget = await _given(budgeted.id)
    assert sum(budget.values()) == 100 == (await Campaign.get(id=budgeted.id)).points_issued
    assert max(budget.values()) <= 30
    # the capped campaign gives every member exactly the cap,
    assert await _given(capped.id) == dict.fromkeys(members, 25)
    held = [row.points for row in await CampaignMember.filter(campaign_id=capped.id)]
    assert sorted(held) == [25] * len(members)
    # and the ledger adds up.
    assert await verify_ledger() == []


async def _campaigns() -> tuple[Campaign, Campaign]:
    budgeted = await approved(bonus_points=10, max_points_per_member=30, budget_points=100)
    capped = await approved(bonus_points=7, max_points_per_member=25)
    return budgeted, capped


async def test_budget_and_cap_hold_under_concurrent_purchases_in_one_process():
    budgeted, capped = await _campaigns()
    members = [(await make_member()).id for _ in range(6)]
    calls = [record_purchase(members[i % 6], f"one-{i}", Decimal(10), utcnow()) for i in range(60)]
    await asyncio.gather(*calls)
    await _check(budgeted, capped, members)


async def test_budget_and_cap_hold_under_purchases_from_4_processes():
    budgeted, capped = await _campaigns()
    members = [(await make_member()).id for _ in range(6)]
    ids = ",".join(map(str, members))
    procs = [worker("purchase", ids, "15", f"p{n}") for n in range(4)]
    assert await run_together(procs) == {"OK": 60}
    await _check(budgeted, capped, members)
