"""Member.lifecycleStage and Insights.stageDistribution read the stage as stages_of does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.ids import to_global_id
from core.settings import get_settings
from models.communication import Communication
from models.enums import LifecycleStage, MemberStatus, Role
from services.clock import utcnow
from services.members.stages import stages_of
from tests.conftest import member_token
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql

DAY = timedelta(days=1)
ONE = "query($id: ID!) { member(id: $id) { lifecycleStage } }"
LIST = "query($first: Int) { members(first: $first) { edges { node { id lifecycleStage } } } }"
DISTRIBUTION = "{ insights { stageDistribution { stage members } } }"


async def _one_of_each_stage() -> dict[LifecycleStage, Any]:
    """A member at each stage, a day inside each boundary the settings draw."""
    settings = get_settings()
    ladder = await make_tiers()
    now = utcnow()
    long_ago = now - (settings.churn_days + settings.new_days + 10) * DAY
    made = {
        LifecycleStage.NEW: await make_member(joined_at=now - (settings.new_days - 1) * DAY),
        LifecycleStage.CHURNED: await make_member(
            joined_at=long_ago, last_purchase_at=now - (settings.churn_days + 1) * DAY
        ),
        LifecycleStage.AT_RISK: await make_member(
            joined_at=long_ago, last_purchase_at=now - (settings.at_risk_days + 1) * DAY
        ),
        LifecycleStage.HIGH_VALUE: await make_member(
            tier=ladder[-1], joined_at=long_ago, last_purchase_at=now - DAY
        ),
        LifecycleStage.ACTIVE: await make_member(
            tier=ladder[0], joined_at=long_ago, last_purchase_at=now - DAY
        ),
    }
    found = await stages_of([m.id for m in made.values()], now)
    assert {stage: found[m.id] for stage, m in made.items()} == {s: s for s in made}
    return made


async def test_the_field_reads_each_members_stage(as_role):
    made = await _one_of_each_stage()
    analyst = await as_role(Role.ANALYST)
    for stage, member in made.items():
        result = await analyst(ONE, {"id": to_global_id("Member", member.id)})
        assert result["data"]["member"] == {"lifecycleStage": stage.value}


async def test_a_member_reads_their_own_stage_and_the_auditor_none(api, as_role):
    made = await _one_of_each_stage()
    member = made[LifecycleStage.AT_RISK]
    variables = {"id": to_global_id("Member", member.id)}
    own = await api.as_(await member_token(member.id))(ONE, variables)
    assert own["data"]["member"] == {"lifecycleStage": "AT_RISK"}
    refused = await (await as_role(Role.AUDITOR))(ONE, variables)
    assert refused["data"]["member"] is None
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"FORBIDDEN"}


async def test_the_distribution_lists_every_stage_of_active_members(as_role):
    made = await _one_of_each_stage()
    terminated = made[LifecycleStage.ACTIVE]
    await make_member(
        status=MemberStatus.TERMINATED, joined_at=terminated.joined_at, last_purchase_at=utcnow()
    )
    analyst = await as_role(Role.ANALYST)
    async with count_sql() as counter:
        result = await analyst(DISTRIBUTION)
    rows = result["data"]["insights"]["stageDistribution"]
    assert rows == [{"stage": stage.value, "members": 1} for stage in LifecycleStage]
    assert sum("CASE WHEN m.joined_at" in s for s in counter.statements) == 1


async def _statements(api: Any, first: int) -> int:
    async with count_sql() as counter:
        result = await api(LIST, {"first": first})
    assert "errors" not in result, result
    assert len(result["data"]["members"]["edges"]) == first
    return counter.count


async def test_a_page_reads_the_stages_in_constant_statements(as_role):
    await make_tiers()
    for n in range(20):
        await make_member(joined_at=utcnow() - (n * 20) * DAY)
    admin = await as_role(Role.ADMIN)
    assert await _statements(admin, 2) == await _statements(admin, 20)


FILTERED = """query($stages: [LifecycleStage!]) {
  members(first: 50, filter: {stages: $stages}) { totalCount edges { node { id } } }
}"""

BY_TIER = """query($tiers: [String!]) {
  members(first: 50, filter: {tierCodes: $tiers}) { totalCount edges { node { id } } }
}"""


async def test_the_filter_keeps_the_members_at_the_stages_given(as_role):
    made = await _one_of_each_stage()
    admin = await as_role(Role.ADMIN)
    for wanted in ([LifecycleStage.AT_RISK], [LifecycleStage.NEW, LifecycleStage.CHURNED], []):
        result = await admin(FILTERED, {"stages": [s.value for s in wanted]})
        page = result["data"]["members"]
        expected = {to_global_id("Member", made[s].id) for s in (wanted or made)}
        assert {edge["node"]["id"] for edge in page["edges"]} == expected
        assert page["totalCount"] == len(expected)


async def test_a_send_reaches_the_stage_it_names(as_role):
    made = await _one_of_each_stage()
    send = """mutation($input: SendCommunicationInput!) {
      sendCommunication(input: $input) { sent } }"""
    values = {"channel": "SMS", "category": "NOTIFICATION", "content": "We miss you"}
    admin = await as_role(Role.ADMIN)
    result = await admin(send, {"input": {**values, "filter": {"stages": ["AT_RISK"]}}})
    assert result["data"]["sendCommunication"]["sent"] == 1
    assert await Communication.filter(member_id=made[LifecycleStage.AT_RISK].id).count() == 1


async def test_filtering_by_stage_adds_no_statement(as_role):
    tiers = await make_tiers()
    await _one_of_each_stage()
    admin = await as_role(Role.ADMIN)
    async with count_sql() as by_tier:
        await admin(BY_TIER, {"tiers": [tiers[0].code]})
    async with count_sql() as by_stage:
        result = await admin(FILTERED, {"stages": ["NEW"]})
    assert result["data"]["members"]["totalCount"] == 1
    assert by_stage.count == by_tier.count
