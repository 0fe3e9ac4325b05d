"""Member.benefits (eligibility) and Member.benefitUsages, for a page of members without N+1."""

from __future__ import annotations

from datetime import date

from core.ids import to_global_id
from models.enums import BenefitCategory, BenefitPeriod, MemberStatus, Role
from services.benefits import use_benefit
from services.clock import local_date, utcnow
from tests.benefits.helpers import give_points, make_benefit
from tests.conftest import member_token
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql

ME = "{ me { benefits { benefit { code } eligible reason usesLeft } } }"
PAGE = """
query($first: Int) {
  members(first: $first) {
    edges {
      node {
        memberNo
        benefits { benefit { code tiers { code } } eligible reason usesLeft }
        benefitUsages(first: 5) { totalCount edges { node { id benefit { code } } } }
      }
    }
  }
}
"""
USAGES = """
query($id: ID!, $after: String) {
  member(id: $id) {
    benefitUsages(first: 2, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id pointsSpent revoked benefit { code } } }
    }
  }
}
"""


async def _catalogue() -> None:
    await make_benefit("LOUNGE", usage_limit=2, usage_period=BenefitPeriod.MONTH)
    await make_benefit(
        "GIFT", category=BenefitCategory.POINTS, points_cost=500, tier_codes=("GOLD",)
    )
    await make_benefit(
        "CAKE", category=BenefitCategory.BIRTHDAY, usage_limit=1, usage_period=BenefitPeriod.YEAR
    )
    await make_benefit("SUITE", tier_codes=("DIAMOND",))


async def test_member_sees_their_tier_benefits_with_eligibility(api):
    # Given a GOLD member outside their birthday month with 100 points who used LOUNGE once
    await _catalogue()
    gold = next(t for t in await make_tiers() if t.code == "GOLD")
    today = local_date(utcnow())
    member = await make_member(tier=gold, birth_date=date(1990, today.month % 12 + 1, 1))
    await give_points(member.id, 100)
    await use_benefit(member.id, "LOUNGE", "k", utcnow())

    # When they read their benefits
    result = await api(ME, token=await member_token(member.id))

    # Then each benefit of GOLD arrives with its standing; DIAMOND's SUITE does not
    assert result["data"]["me"]["benefits"] == [
        {"benefit": {"code": "CAKE"}, "eligible": False, "reason": "NOT_BIRTHDAY", "usesLeft": 1},
        {
            "benefit": {"code": "GIFT"},
            "eligible": False,
            "reason": "INSUFFICIENT_POINTS",
            "usesLeft": None,
        },
        {"benefit": {"code": "LOUNGE"}, "eligible": True, "reason": None, "usesLeft": 1},
    ]


async def test_suspended_and_exhausted_reasons(api):
    await _catalogue()
    regular = (await make_tiers())[0]
    suspended = await make_member(tier=regular, status=MemberStatus.SUSPENDED)
    active = await make_member(tier=regular)
    for key in ("a", "b"):
        await use_benefit(active.id, "LOUNGE", key, utcnow())

    def lounge(result):
        return next(b for b in result["data"]["me"]["benefits"] if b["benefit"]["code"] == "LOUNGE")

    assert lounge(await api(ME, token=await member_token(suspended.id)))["reason"] == "SUSPENDED"
    exhausted = lounge(await api(ME, token=await member_token(active.id)))
    assert (exhausted["eligible"], exhausted["reason"], exhausted["usesLeft"]) == (
        False,
        "LIMIT_REACHED",
        0,
    )


async def _page_statements(admin, first: int) -> int:
    async with count_sql() as counter:
        result = await admin(PAGE, {"first": first})
    assert "errors" not in result, result["errors"]
    assert len(result["data"]["members"]["edges"]) == first
    return counter.count


async def test_a_page_of_members_costs_the_same_statements_at_any_size(as_role):
    # Given 20 members across tiers, each with a usage
    await _catalogue()
    tiers = await make_tiers()
    for n in range(20):
        member = await make_member(tier=tiers[n % len(tiers)])
        if n % len(tiers) < 3:  # LOUNGE is held by the three lowest tiers
            await use_benefit(member.id, "LOUNGE", "k", utcnow())
    admin = await as_role(Role.MARKETING)

    # When pages of 2 and of 20 are read with their benefits, then the statements match
    assert await _page_statements(admin, 2) == await _page_statements(admin, 20)


async def test_benefit_usages_page_newest_first(as_role):
    await make_benefit("LOUNGE")
    member = await make_member()
    usages = [await use_benefit(member.id, "LOUNGE", key, utcnow()) for key in ("a", "b", "c")]
    admin = await as_role(Role.SERVICE)
    gid = to_global_id("Member", member.id)
    first = (await admin(USAGES, {"id": gid}))["data"]["member"]["benefitUsages"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    cursor = first["pageInfo"]["endCursor"]
    rest = (await admin(USAGES, {"id": gid, "after": cursor}))["data"]["member"]["benefitUsages"]
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert ids == [to_global_id("BenefitUsage", usage.id) for usage in reversed(usages)]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_analysts_may_not_read_benefit_usages(as_role):
    member = await make_member()
    analyst = await as_role(Role.ANALYST)
    result = await analyst(USAGES, {"id": to_global_id("Member", member.id)})
    assert result["data"]["member"]["benefitUsages"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
