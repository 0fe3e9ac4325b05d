"""The public catalogue (`benefits`, Tier.benefits) and `upsertBenefit`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.ids import to_global_id
from models.benefit import Benefit, BenefitTier
from models.enums import BenefitCategory, Role
from services.clock import utcnow
from tests.benefits.helpers import make_benefit
from tests.factories import make_tiers

CATALOGUE = """
query($all: Boolean) {
  benefits(includeInactive: $all) {
    id code name category discountPercent pointsCost usageLimit usagePeriod active
    tiers { code }
  }
}
"""
UPSERT = """
mutation($input: BenefitInput!) {
  upsertBenefit(input: $input) {
    benefit { id code name category discountPercent pointsCost usageLimit usagePeriod
              activeFrom activeUntil active tiers { code rank } }
    errors { field code message }
  }
}
"""


def _input(**overrides: Any) -> dict[str, Any]:
    values = {
        "code": "gold-discount",
        "name": "Gold discount",
        "category": "DISCOUNT",
        "discountPercent": 10.0,
        "tierCodes": ["GOLD", "SILVER"],
    }
    return {"input": {**values, **overrides}}


async def test_anonymous_callers_read_the_active_catalogue(api):
    # Given an active benefit and one whose window has ended
    await make_benefit("LOUNGE", tier_codes=("GOLD", "SILVER"))
    await make_benefit("OLD_EVENT", active_until=utcnow() - timedelta(days=1))

    # When an anonymous caller reads the catalogue
    result = await api(CATALOGUE)

    # Then only the active benefit arrives, with its tiers by rank
    assert "errors" not in result
    assert [b["code"] for b in result["data"]["benefits"]] == ["LOUNGE"]
    assert result["data"]["benefits"][0]["tiers"] == [{"code": "SILVER"}, {"code": "GOLD"}]
    assert result["data"]["benefits"][0]["active"] is True


async def test_include_inactive_lists_every_benefit(api):
    await make_benefit("LOUNGE")
    await make_benefit("LATER", active_from=utcnow() + timedelta(days=3))
    result = await api(CATALOGUE, {"all": True})
    rows = {b["code"]: b["active"] for b in result["data"]["benefits"]}
    assert rows == {"LATER": False, "LOUNGE": True}


async def test_tier_benefits_lists_the_active_benefits_a_tier_holds(api):
    await make_benefit("LOUNGE", tier_codes=("GOLD",))
    await make_benefit(
        "GIFT", category=BenefitCategory.POINTS, points_cost=500, tier_codes=("GOLD", "REGULAR")
    )
    result = await api("{ tiers { code benefits { code } } }")
    held = {t["code"]: [b["code"] for b in t["benefits"]] for t in result["data"]["tiers"]}
    assert held["GOLD"] == ["GIFT", "LOUNGE"]
    assert held["REGULAR"] == ["GIFT"]
    assert held["DIAMOND"] == []


async def test_upsert_creates_then_updates_a_benefit(as_role):
    await make_tiers()
    admin = await as_role(Role.OPERATIONS)

    created = (await admin(UPSERT, _input()))["data"]["upsertBenefit"]
    assert created["errors"] == []
    benefit = created["benefit"]
    assert (benefit["code"], benefit["category"], benefit["discountPercent"]) == (
        "GOLD-DISCOUNT",
        "DISCOUNT",
        10.0,
    )
    assert [t["code"] for t in benefit["tiers"]] == ["SILVER", "GOLD"]
    assert benefit["pointsCost"] == 0

    updated = (
        await admin(
            UPSERT,
            _input(id=benefit["id"], name="Gold 15", discountPercent=15, tierCodes=["DIAMOND"]),
        )
    )["data"]["upsertBenefit"]
    assert updated["errors"] == []
    assert (updated["benefit"]["name"], updated["benefit"]["discountPercent"]) == ("Gold 15", 15.0)
    assert [t["code"] for t in updated["benefit"]["tiers"]] == ["DIAMOND"]
    assert await Benefit.all().count() == 1
    assert await BenefitTier.all().count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "  "}, ["input", "code"]),
        ({"code": "bad code!"}, ["input", "code"]),
        ({"name": ""}, ["input", "name"]),
        ({"discountPercent": None}, ["input", "discountPercent"]),
        ({"discountPercent": 0}, ["input", "discountPercent"]),
        ({"discountPercent": 100}, ["input", "discountPercent"]),
        ({"category": "PRIORITY_SERVICE"}, ["input", "discountPercent"]),
        ({"category": "POINTS", "discountPercent": None}, ["input", "pointsCost"]),
        ({"pointsCost": -1}, ["input", "pointsCost"]),
        ({"usageLimit": 0, "usagePeriod": "MONTH"}, ["input", "usageLimit"]),
        ({"usageLimit": 2}, ["input", "usagePeriod"]),
        ({"usagePeriod": "DAY"}, ["input", "usagePeriod"]),
        ({"category": "BIRTHDAY", "discountPercent": None}, ["input", "usageLimit"]),
        (
            {
                "category": "BIRTHDAY",
                "discountPercent": None,
                "usageLimit": 1,
                "usagePeriod": "LIFETIME",
            },
            ["input", "usagePeriod"],
        ),
        ({"category": "EXCLUSIVE_EVENT", "discountPercent": None}, ["input", "activeUntil"]),
        (
            {"activeFrom": "2030-01-02T00:00:00+08:00", "activeUntil": "2030-01-01T00:00:00+08:00"},
            ["input", "activeUntil"],
        ),
        ({"tierCodes": []}, ["input", "tierCodes"]),
        ({"tierCodes": ["GOLD", "PLUTONIUM"]}, ["input", "tierCodes", "1"]),
    ],
)
async def test_upsert_refuses_invalid_values_and_writes_nothing(as_role, overrides, field):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    result = (await admin(UPSERT, _input(**overrides)))["data"]["upsertBenefit"]
    assert result["benefit"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", field)]
    assert await Benefit.all().count() == 0


async def test_upsert_refuses_a_taken_code(as_role):
    await make_benefit("GOLD-DISCOUNT", category=BenefitCategory.DISCOUNT, discount_percent=5)
    admin = await as_role(Role.ADMIN)
    result = (await admin(UPSERT, _input()))["data"]["upsertBenefit"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("DUPLICATE", ["input", "code"])]


async def test_upsert_of_an_unknown_benefit_is_not_found(as_role):
    await make_tiers()
    admin = await as_role(Role.ADMIN)
    result = (await admin(UPSERT, _input(id=to_global_id("Benefit", 999))))["data"]["upsertBenefit"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_FOUND", ["input", "id"])]


async def test_service_staff_may_not_edit_benefits(as_role):
    await make_tiers()
    service = await as_role(Role.SERVICE)
    result = await service(UPSERT, _input())
    assert result["data"] is None or result["data"]["upsertBenefit"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Benefit.all().count() == 0
