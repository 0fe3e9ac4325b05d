"""Member.tier, tierHistory, qualifyingSpend and qualifyingOrders, batched across a list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.ids import to_global_id
from models.enums import Role
from services.clock import utcnow
from tests.factories import make_member, make_purchase, make_tiers
from tests.sql_counter import count_sql

DETAIL = """query($id: ID!) {
  member(id: $id) {
    tier { code }
    tierHistory { from { code } to { code } reason at note }
    qualifyingSpend
    qualifyingOrders
  }
}"""
LIST = """query($first: Int) {
  members(first: $first) {
    edges { node { tier { code } tierHistory { to { code } } qualifyingSpend qualifyingOrders } }
  }
}"""


async def test_qualification_counts_the_window_net_of_refunds(as_role):
    _, silver, *_ = await make_tiers()
    member = await make_member(tier=silver)
    now = utcnow()
    await make_purchase(member, "3000.00", now - timedelta(days=30), refunded="1000.00")
    await make_purchase(member, "500.50", now - timedelta(days=200))
    await make_purchase(member, "800.00", now - timedelta(days=10), refunded="800.00")
    await make_purchase(member, "9999.00", now - timedelta(days=400))  # before the 12-month window
    service = await as_role(Role.SERVICE)
    result = await service(DETAIL, {"id": to_global_id("Member", member.id)})
    data = result["data"]["member"]
    assert data["tier"] == {"code": "SILVER"}
    assert (data["qualifyingSpend"], data["qualifyingOrders"]) == ("2500.50", 2)
    assert data["tierHistory"] == []


async def test_a_member_without_purchases_qualifies_with_nothing(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    data = (await admin(DETAIL, {"id": to_global_id("Member", member.id)}))["data"]["member"]
    assert (data["qualifyingSpend"], data["qualifyingOrders"]) == ("0.00", 0)


async def test_marketing_sees_the_tier_but_not_the_spend(as_role):
    member = await make_member()
    marketing = await as_role(Role.MARKETING)
    result = await marketing(DETAIL, {"id": to_global_id("Member", member.id)})
    data = result["data"]["member"]
    assert data["tier"] == {"code": "REGULAR"} and data["tierHistory"] == []
    assert data["qualifyingSpend"] is None and data["qualifyingOrders"] is None
    denied = {tuple(e["path"]) for e in result["errors"]}
    assert denied == {("member", "qualifyingSpend"), ("member", "qualifyingOrders")}


async def _statements(api: Any, first: int) -> int:
    async with count_sql() as counter:
        result = await api(LIST, {"first": first})
    assert "errors" not in result, result
    assert len(result["data"]["members"]["edges"]) == first
    return counter.count


async def test_a_list_of_members_costs_the_same_statements_at_any_size(as_role):
    tiers = await make_tiers()
    now = utcnow()
    for n in range(20):
        member = await make_member(tier=tiers[n % len(tiers)])
        await make_purchase(member, "100.00", now - timedelta(days=n + 1))
    admin = await as_role(Role.ADMIN)
    assert await _statements(admin, 2) == await _statements(admin, 20)
