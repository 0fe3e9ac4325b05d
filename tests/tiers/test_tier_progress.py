"""Member.tierProgress (DESIGN §9): the next tier's shortfall now and the current tier's at
the next evaluation, by the rules promotion and evaluation use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.ids import to_global_id
from core.settings import get_settings
from models.enums import STAFF_ROLES, Role
from models.member import Member
from services.clock import as_utc, utcnow
from services.tiers import window_start
from tests.conftest import member_token
from tests.factories import make_member, make_purchase, make_tiers
from tests.sql_counter import count_sql

PROGRESS = "nextTier { code } spendToNext ordersToNext keepBy spendToKeep ordersToKeep"
DETAIL = f"query($id: ID!) {{ member(id: $id) {{ tierProgress {{ {PROGRESS} }} }} }}"
LIST = f"""query($first: Int) {{
  members(first: $first) {{ edges {{ node {{ tier {{ code }} tierProgress {{ {PROGRESS} }} }} }} }}
}}"""
READERS = {Role.ADMIN, Role.OPERATIONS, Role.SERVICE}


def _use_schedule(monkeypatch: pytest.MonkeyPatch, cron: str) -> Iterator[None]:
    monkeypatch.setenv("MEMBERHUB_SCHEDULE_TIER_EVALUATION", cron)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def evaluation_in_ten_days(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tier evaluation scheduled once a year, ten days from now at 04:00 local: far
    enough that purchases at the window's old edge fall out of it by then."""
    day = utcnow().astimezone(get_settings().tz) + timedelta(days=10)
    yield from _use_schedule(monkeypatch, f"0 4 {day.day} {day.month} *")


@pytest.fixture
def evaluation_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _use_schedule(monkeypatch, "off")


def _slot_in_ten_days() -> datetime:
    day = utcnow().astimezone(get_settings().tz) + timedelta(days=10)
    return as_utc(day.replace(hour=4, minute=0, second=0, microsecond=0))


async def _progress(api: Any, member: Member) -> dict[str, Any]:
    result = await api(DETAIL, {"id": to_global_id("Member", member.id)})
    assert "errors" not in result, result
    return result["data"]["member"]["tierProgress"]


async def test_at_the_bottom_the_next_tier_is_the_first_and_nothing_is_kept(
    as_role, evaluation_in_ten_days
):
    await make_tiers()
    member = await make_member()
    await make_purchase(member, "500.00", utcnow() - timedelta(days=3))
    progress = await _progress(await as_role(Role.SERVICE), member)
    assert progress == {
        "nextTier": {"code": "SILVER"},
        "spendToNext": "1500.00",
        "ordersToNext": 1,
        "keepBy": _slot_in_ten_days().isoformat(),
        "spendToKeep": "0.00",
        "ordersToKeep": 0,
    }


async def test_in_the_middle_refunds_count_and_old_purchases_fall_out_by_keep_by(
    as_role, evaluation_in_ten_days
):
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold)
    now = utcnow()
    # In the window now, out of the one ending at keepBy.
    await make_purchase(member, "5000.00", window_start(now) + timedelta(days=1))
    # Partly refunded: 4000 and the order count; fully refunded: neither.
    await make_purchase(member, "4500.00", now - timedelta(days=1), refunded="500.00")
    await make_purchase(member, "1000.00", now - timedelta(days=2), refunded="1000.00")
    progress = await _progress(await as_role(Role.ADMIN), member)
    assert progress == {
        "nextTier": {"code": "PLATINUM"},
        "spendToNext": "11000.00",  # 20000 - (5000 + 4000)
        "ordersToNext": 8,  # 10 - 2
        "keepBy": _slot_in_ten_days().isoformat(),
        "spendToKeep": "4000.00",  # 8000 - 4000: the 5000 will have left the window
        "ordersToKeep": 4,  # 5 - 1
    }


async def test_criteria_met_need_nothing_more(as_role, evaluation_in_ten_days):
    _, silver, *_ = await make_tiers()
    member = await make_member(tier=silver)
    for days in (1, 2, 3):
        await make_purchase(member, "1000.00", utcnow() - timedelta(days=days))
    progress = await _progress(await as_role(Role.OPERATIONS), member)
    assert (progress["spendToKeep"], progress["ordersToKeep"]) == ("0.00", 0)
    assert (progress["spendToNext"], progress["ordersToNext"]) == ("5000.00", 2)


async def test_at_the_top_there_is_no_next_tier(as_role, evaluation_in_ten_days):
    *_, diamond = await make_tiers()
    member = await make_member(tier=diamond)
    progress = await _progress(await as_role(Role.SERVICE), member)
    assert progress["nextTier"] is None
    assert progress["spendToNext"] is None and progress["ordersToNext"] is None
    assert (progress["spendToKeep"], progress["ordersToKeep"]) == ("50000.00", 20)


async def test_keep_by_follows_the_evaluation_schedule(as_role, evaluation_off):
    _, silver, *_ = await make_tiers()
    member = await make_member(tier=silver)
    progress = await _progress(await as_role(Role.ADMIN), member)
    assert progress["keepBy"] is None
    assert progress["spendToKeep"] is None and progress["ordersToKeep"] is None
    assert progress["nextTier"] == {"code": "GOLD"}


async def test_keep_by_is_the_default_quarterly_evaluation(as_role):
    await make_tiers()
    member = await make_member()
    keep_by = datetime.fromisoformat((await _progress(await as_role(Role.ADMIN), member))["keepBy"])
    local = keep_by.astimezone(get_settings().tz)
    assert (local.month in (1, 4, 7, 10), local.day, local.hour, local.minute) == (True, 1, 4, 0)
    assert utcnow() < keep_by <= utcnow() + timedelta(days=93)


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_staff_read_it_as_they_read_purchases(as_role, role):
    member = await make_member()
    result = await (await as_role(role))(DETAIL, {"id": to_global_id("Member", member.id)})
    if role in READERS:
        assert "errors" not in result, result
        assert result["data"]["member"]["tierProgress"]["nextTier"] == {"code": "SILVER"}
    else:
        errors = result.get("errors") or []
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, result
        assert ((result["data"] or {}).get("member") or {}).get("tierProgress") is None


async def test_a_member_reads_their_own_only(api):
    member = await make_member()
    other = await make_member()
    signed_in = api.as_(await member_token(member.id))
    assert (await _progress(signed_in, member))["nextTier"] == {"code": "SILVER"}
    result = await signed_in(DETAIL, {"id": to_global_id("Member", other.id)})
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}


async def _statements(api: Any, first: int) -> int:
    async with count_sql() as counter:
        result = await api(LIST, {"first": first})
    assert "errors" not in result, result
    assert len(result["data"]["members"]["edges"]) == first
    return counter.count


async def test_a_page_of_members_costs_the_same_statements_at_any_size(as_role):
    tiers = await make_tiers()
    now = utcnow()
    for n in range(20):
        member = await make_member(tier=tiers[n % len(tiers)])
        await make_purchase(member, "100.00", now - timedelta(days=n + 1))
    admin = await as_role(Role.ADMIN)
    assert await _statements(admin, 2) == await _statements(admin, 20)
