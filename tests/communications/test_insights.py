"""insights(from, to): each figure exactly as the contract documents it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.settings import get_settings
from models.enums import MemberStatus, PointsEntryKind, Role
from models.points import PointsEntry, Purchase
from services.clock import utcnow
from tests.communications.helpers import (
    LOG,
    OPEN,
    RESOLVE,
    RESPOND,
    case_input,
    member_gid,
    ok,
    top_codes,
)
from tests.factories import make_member, make_tiers

INSIGHTS = """
query($from: DateTime, $to: DateTime) {
  insights(from: $from, to: $to) {
    from to activeMembers newMembers terminatedMembers
    tierDistribution { tier { code } members }
    pointsOutstanding pointsEarned pointsRedeemed pointsExpired
    churnRate satisfactionRate responseSlaRate resolutionSlaRate
  }
}
"""


def _ago(days: float):
    return utcnow() - timedelta(days=days)


async def _entry(member, kind, points, days_ago):
    await PointsEntry.create(
        member=member,
        kind=kind,
        points=points,
        balance_after=max(points, 0),
        created_at=_ago(days_ago),
    )


async def _purchase(member, days_ago):
    await Purchase.create(
        order_ref=f"O-{member.id}-{days_ago}",
        member=member,
        amount=Decimal("10"),
        occurred_at=_ago(days_ago),
        created_at=_ago(days_ago),
    )


async def _members():
    regular, silver = (await make_tiers())[:2]
    new = await make_member(tier=regular, joined_at=_ago(5), points_balance=100)
    old = await make_member(tier=silver, joined_at=_ago(100), points_balance=50)
    dormant = await make_member(tier=silver, joined_at=_ago(400))
    await make_member(status=MemberStatus.TERMINATED, joined_at=_ago(300), terminated_at=_ago(2))
    await make_member(status=MemberStatus.SUSPENDED, joined_at=_ago(200))
    await _entry(new, PointsEntryKind.EARN, 200, 1)
    await _entry(old, PointsEntryKind.EARN, 30, 20)
    await _entry(new, PointsEntryKind.REDEEM, -50, 1)
    await _entry(old, PointsEntryKind.EXPIRE, -20, 3)
    await _purchase(new, 3)
    await _purchase(old, 200)
    return new, old, dormant


async def _service_figures(service, member):
    """In the window: scores 5, 4, 2 (and a 1 before it); a complaint answered and resolved
    in time, a complaint answered and resolved late, an unanswered inquiry."""
    for score, days in ((5, 1), (4, 2), (2, 3), (1, 20)):
        variables = {
            "input": {
                "memberId": member_gid(member),
                "channel": "PHONE",
                "direction": "INBOUND",
                "category": "SURVEY",
                "satisfactionScore": score,
                "occurredAt": _ago(days).isoformat(),
            }
        }
        ok(await service(LOG, variables), "logCommunication")
    for opened, answered in ((6, 5.9), (8, 4)):
        variables = {"input": case_input(member, openedAt=_ago(opened).isoformat())}
        case = ok(await service(OPEN, variables), "openServiceCase")["case"]
        at = _ago(answered).isoformat()
        ok(
            await service(RESPOND, {"input": {"id": case["id"], "message": "m", "at": at}}),
            "respondToCase",
        )
        ok(
            await service(RESOLVE, {"input": {"id": case["id"], "message": "m", "at": at}}),
            "resolveCase",
        )
    variables = {"input": case_input(member, kind="INQUIRY", openedAt=_ago(7).isoformat())}
    ok(await service(OPEN, variables), "openServiceCase")
    old_case = {"input": case_input(member, openedAt=_ago(40).isoformat())}
    ok(await service(OPEN, old_case), "openServiceCase")


async def test_every_figure_of_the_window(as_role):
    new, _, _ = await _members()
    await _service_figures(await as_role(Role.SERVICE), new)
    analyst = await as_role(Role.ANALYST)
    window = {"from": _ago(10).isoformat(), "to": utcnow().isoformat()}
    figures = (await analyst(INSIGHTS, window))["data"]["insights"]
    assert (figures["activeMembers"], figures["newMembers"], figures["terminatedMembers"]) == (
        3,
        1,
        1,
    )
    distribution = {row["tier"]["code"]: row["members"] for row in figures["tierDistribution"]}
    assert distribution == {"REGULAR": 1, "SILVER": 2, "GOLD": 0, "PLATINUM": 0, "DIAMOND": 0}
    assert figures["pointsOutstanding"] == 150
    assert (figures["pointsEarned"], figures["pointsRedeemed"], figures["pointsExpired"]) == (
        200,
        50,
        20,
    )
    # old (last purchase 200 days ago) and dormant (never) have no purchase in 180 days
    assert figures["churnRate"] == pytest.approx(2 / 3)
    assert figures["satisfactionRate"] == pytest.approx(2 / 3)
    assert figures["responseSlaRate"] == pytest.approx(1 / 3)
    assert figures["resolutionSlaRate"] == pytest.approx(1 / 2)


@pytest.fixture
def long_churn_window(monkeypatch):
    monkeypatch.setenv("MEMBERHUB_CHURN_DAYS", "250")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_churn_window_is_configurable(as_role, long_churn_window):
    await _members()
    figures = (await (await as_role(Role.ADMIN))(INSIGHTS, {}))["data"]["insights"]
    assert figures["churnRate"] == pytest.approx(1 / 3)


async def test_empty_window_has_no_rates_to_report(as_role):
    figures = (await (await as_role(Role.MARKETING))(INSIGHTS, {}))["data"]["insights"]
    assert figures["churnRate"] == 0
    assert (
        figures["satisfactionRate"],
        figures["responseSlaRate"],
        figures["resolutionSlaRate"],
    ) == (None, None, None)
    assert figures["to"] > figures["from"]


async def test_reversed_window_is_invalid_and_service_may_not_look(as_role):
    admin = await as_role(Role.ADMIN)
    result = await admin(INSIGHTS, {"from": utcnow().isoformat(), "to": _ago(1).isoformat()})
    assert top_codes(result) == {"INVALID"}
    assert top_codes(await (await as_role(Role.SERVICE))(INSIGHTS, {})) == {"FORBIDDEN"}
