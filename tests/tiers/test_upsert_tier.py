"""`upsertTier`: the ladder stays sound (unique code and rank, rank 0, rising thresholds)."""

from __future__ import annotations

from typing import Any

from core.ids import to_global_id
from models.enums import Role
from models.tier import Tier
from tests.factories import make_tiers

UPSERT = """mutation($input: TierInput!) {
  upsertTier(input: $input) {
    tier { id code name rank minSpend minOrders pointsMultiplier description }
    errors { field code message }
  }
}"""


def _tier(**overrides: Any) -> dict[str, Any]:
    values = {
        "code": "LEGEND",
        "name": "传奇",
        "rank": 5,
        "minSpend": "100000",
        "minOrders": 40,
        "pointsMultiplier": 2.5,
    }
    return {**values, **overrides}


async def _upsert(api: Any, **overrides: Any) -> dict[str, Any]:
    result = await api(UPSERT, {"input": _tier(**overrides)})
    assert "errors" not in result, result
    return result["data"]["upsertTier"]


async def test_admin_creates_a_tier_above_the_ladder(as_role):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    payload = await _upsert(admin, code=" legend ", description="Invitation only")
    assert payload["errors"] == []
    tier = payload["tier"]
    assert (tier["code"], tier["rank"], tier["minSpend"]) == ("LEGEND", 5, "100000.00")
    assert (tier["pointsMultiplier"], tier["description"]) == (2.5, "Invitation only")
    assert await Tier.filter(code="LEGEND").exists()


async def test_operations_updates_a_tier_by_id(as_role):
    tiers = await make_tiers()
    gold = tiers[2]
    operations = await as_role(Role.OPERATIONS)
    payload = await _upsert(
        operations,
        id=to_global_id("Tier", gold.id),
        code="GOLD",
        name="Gold",
        rank=2,
        minSpend="9000",
        minOrders=6,
        pointsMultiplier=1.6,
    )
    assert payload["errors"] == []
    assert payload["tier"]["id"] == to_global_id("Tier", gold.id)
    stored = await Tier.get(id=gold.id)
    assert (stored.name, str(stored.min_spend), stored.min_orders) == ("Gold", "9000.00", 6)


async def _refused(api: Any, field: list[str], error: str, **overrides: Any) -> None:
    before = [(t.code, t.rank, t.min_spend, t.min_orders) for t in await Tier.all()]
    payload = await _upsert(api, **overrides)
    assert payload["tier"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, error)], payload
    assert [(t.code, t.rank, t.min_spend, t.min_orders) for t in await Tier.all()] == before


async def test_duplicate_code_and_rank_are_refused(as_role):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    await _refused(admin, ["input", "code"], "DUPLICATE", code="gold")
    await _refused(admin, ["input", "rank"], "DUPLICATE", rank=4)


async def test_the_entry_tier_cannot_be_moved_off_rank_zero(as_role):
    tiers = await make_tiers()
    admin = await as_role(Role.ADMIN)
    await _refused(
        admin,
        ["input", "rank"],
        "INVALID",
        id=to_global_id("Tier", tiers[0].id),
        code="REGULAR",
        rank=9,
        minSpend="0",
        minOrders=0,
    )


async def test_the_first_tier_must_be_the_entry_tier(as_role):
    admin = await as_role(Role.ADMIN)
    await _refused(admin, ["input", "rank"], "INVALID", rank=1)
    payload = await _upsert(admin, code="BASIC", rank=0, minSpend="0", minOrders=0)
    assert payload["errors"] == []


async def test_thresholds_must_rise_with_rank(as_role):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    # Below DIAMOND's spend, above it in rank.
    await _refused(admin, ["input", "minSpend"], "INVALID", minSpend="40000")
    await _refused(admin, ["input", "minOrders"], "INVALID", minOrders=19)
    # Exactly DIAMOND's criteria: the higher tier must ask for more.
    await _refused(admin, ["input", "minSpend"], "INVALID", minSpend="50000", minOrders=20)


async def test_malformed_values_are_invalid_at_their_field(as_role):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    await _refused(admin, ["input", "code"], "INVALID", code="no spaces")
    await _refused(admin, ["input", "name"], "INVALID", name="  ")
    await _refused(admin, ["input", "rank"], "INVALID", rank=-1)
    await _refused(admin, ["input", "minSpend"], "INVALID", minSpend="-1")
    await _refused(admin, ["input", "minSpend"], "INVALID", minSpend="1e20")
    await _refused(admin, ["input", "pointsMultiplier"], "INVALID", pointsMultiplier=1e308)
    await _refused(admin, ["input", "minOrders"], "INVALID", minOrders=-3)
    await _refused(admin, ["input", "pointsMultiplier"], "INVALID", pointsMultiplier=0)
    await _refused(admin, ["input", "pointsMultiplier"], "INVALID", pointsMultiplier=1.234)
    await _refused(admin, ["input", "id"], "INVALID", id="not-an-id")
    await _refused(admin, ["input", "id"], "NOT_FOUND", id=to_global_id("Tier", 999))


async def test_service_staff_may_not_edit_tiers(as_role):
    await make_tiers()
    service = await as_role(Role.SERVICE)
    result = await service(UPSERT, {"input": _tier()})
    assert result["data"] is None or result["data"]["upsertTier"] is None
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}
    assert not await Tier.filter(code="LEGEND").exists()
