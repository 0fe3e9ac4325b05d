"""`tiers`: the public catalogue, and how many members hold each tier."""

from __future__ import annotations

from core.ids import to_global_id
from models.enums import MemberStatus, Role
from tests.factories import make_member, make_tiers

CATALOGUE = "{ tiers { id code name rank minSpend minOrders pointsMultiplier description } }"
COUNTS = "{ tiers { code memberCount } }"


async def test_anonymous_reads_the_ladder_in_rank_order(api):
    await make_tiers()
    result = await api(CATALOGUE)
    tiers = result["data"]["tiers"]
    assert [t["code"] for t in tiers] == ["REGULAR", "SILVER", "GOLD", "PLATINUM", "DIAMOND"]
    silver = tiers[1]
    assert (silver["rank"], silver["minSpend"], silver["minOrders"]) == (1, "2000.00", 2)
    assert silver["pointsMultiplier"] == 1.2


async def test_member_count_leaves_out_terminated_members(as_role):
    regular, silver, *_ = await make_tiers()
    await make_member(tier=silver)
    await make_member(tier=silver)
    await make_member(tier=silver, status=MemberStatus.TERMINATED)
    await make_member(tier=regular)
    analyst = await as_role(Role.ANALYST)
    counts = {t["code"]: t["memberCount"] for t in (await analyst(COUNTS))["data"]["tiers"]}
    assert counts == {"REGULAR": 1, "SILVER": 2, "GOLD": 0, "PLATINUM": 0, "DIAMOND": 0}


async def test_anonymous_gets_no_member_counts(api):
    await make_tiers()
    result = await api(COUNTS)
    assert all(t["memberCount"] is None for t in result["data"]["tiers"])
    codes = {e["extensions"]["code"] for e in result["errors"]}
    assert codes == {"UNAUTHENTICATED"}
    assert result["errors"][0]["path"][-1] == "memberCount"


async def test_a_tier_is_a_node(api):
    gold = (await make_tiers())[2]
    result = await api(
        "query($id: ID!) { node(id: $id) { ... on Tier { code rank } } }",
        {"id": to_global_id("Tier", gold.id)},
    )
    assert result["data"]["node"] == {"code": "GOLD", "rank": 2}
