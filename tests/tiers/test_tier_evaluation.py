"""`runTierEvaluation(asOf)`: demotion to the highest tier still met, once per asOf."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from models.communication import Communication
from models.enums import CommunicationCategory, MemberStatus, Role, TierChangeReason
from models.member import Member
from models.tier import TierChange
from services.tiers import run_tier_evaluation
from tests.factories import make_member, make_purchase, make_tiers
from tests.processes import memberhub_cli

AS_OF = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)
RUN = """mutation($asOf: DateTime) {
  runTierEvaluation(asOf: $asOf) { job asOf examined changed durationMs }
}"""


async def _tier_code(member: Member) -> str:
    return (await Member.get(id=member.id).prefetch_related("tier")).tier.code


async def test_members_below_their_tier_drop_to_the_highest_tier_they_meet():
    regular, silver, gold, *_ = await make_tiers()
    slipped = await make_member(tier=gold)
    for days in (10, 40, 70):  # 3 orders, 2,700 spend: silver's criteria, not gold's
        await make_purchase(slipped, "900.00", AS_OF - timedelta(days=days))
    lapsed = await make_member(tier=gold)
    await make_purchase(lapsed, "20000.00", AS_OF - timedelta(days=400))
    kept = await make_member(tier=silver)
    await make_purchase(kept, "1500.00", AS_OF - timedelta(days=5))
    await make_purchase(kept, "600.00", AS_OF - timedelta(days=6))
    newcomer = await make_member(tier=regular)
    await make_purchase(newcomer, "90000.00", AS_OF - timedelta(days=1))

    result = await run_tier_evaluation(AS_OF)

    assert (result.job, result.examined, result.changed) == ("tier-evaluation", 3, 2)
    assert await _tier_code(slipped) == "SILVER"
    assert await _tier_code(lapsed) == "REGULAR"
    assert await _tier_code(kept) == "SILVER"
    assert await _tier_code(newcomer) == "REGULAR"  # promotion happens at purchase, not here
    change = await TierChange.get(member_id=slipped.id)
    assert (change.reason, change.from_tier_id, change.to_tier_id) == (
        TierChangeReason.DEMOTION,
        gold.id,
        silver.id,
    )
    assert change.at == AS_OF
    notices = await Communication.filter(category=CommunicationCategory.NOTIFICATION)
    assert sorted(n.member_id for n in notices) == sorted([slipped.id, lapsed.id])


async def test_running_twice_for_the_same_as_of_changes_nothing_more():
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold)
    assert (await run_tier_evaluation(AS_OF)).changed == 1
    again = await run_tier_evaluation(AS_OF)
    assert (again.examined, again.changed) == (0, 0)
    assert await TierChange.filter(member_id=member.id).count() == 1
    assert await Communication.filter(member_id=member.id).count() == 1


async def test_terminated_members_keep_their_last_tier():
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold, status=MemberStatus.TERMINATED)
    assert (await run_tier_evaluation(AS_OF)).changed == 0
    assert await _tier_code(member) == "GOLD"


async def test_operations_runs_the_job_over_graphql(as_role):
    _, _, gold, *_ = await make_tiers()
    await make_member(tier=gold)
    operations = await as_role(Role.OPERATIONS)
    result = await operations(RUN, {"asOf": "2025-03-31T16:00:00+00:00"})
    report = result["data"]["runTierEvaluation"]
    assert (report["job"], report["asOf"]) == ("tier-evaluation", "2025-03-31T16:00:00+00:00")
    assert (report["examined"], report["changed"]) == (1, 1)


async def test_marketing_may_not_run_the_job(as_role):
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold)
    marketing = await as_role(Role.MARKETING)
    result = await marketing(RUN, {"asOf": "2025-03-31T16:00:00+00:00"})
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}
    assert await _tier_code(member) == "GOLD"


async def test_the_command_line_job_demotes_and_reports():
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold)
    as_of = "2025-03-31T16:00:00+00:00"
    done = await memberhub_cli("run-job", "tier-evaluation", "--as-of", as_of, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["job"], report["changed"]) == ("tier-evaluation", 1)
    assert await _tier_code(member) == "REGULAR"
