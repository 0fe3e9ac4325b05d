"""Tag utilisation (the tag policy): each use of a tag counted per kind, and the
utilisation and quarterly evaluation read back on hand-made data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.enums import MemberStatus, OutreachKind, Role, TagUseKind
from models.outreach import Outreach
from models.tag import TagDefinition, TagUse
from services.clock import utcnow
from services.outreach import Draw, record_outreach
from services.tags import assign_tag, retire_tag_definition
from services.tags.uses import record_tag_uses
from tests.campaigns.helpers import Audience, approved
from tests.conftest import member_token
from tests.factories import make_member, make_purchase, make_tiers
from tests.sql_counter import count_sql
from tests.tags.helpers import active_tag

DAY = timedelta(days=1)
SEND = """mutation($input: SendCommunicationInput!) {
  sendCommunication(input: $input) { sent send { id } errors { code } } }"""
SEARCH = """query($filter: MemberFilter) {
  members(first: 5, filter: $filter) { edges { node { id } } } }"""
UTILISATION = """query($from: DateTime!, $to: DateTime!, $days: Int! = 30) {
  tagDefinitions { code utilisation(from: $from, to: $to, days: $days) {
    uses membersReached purchasesAfter } } }"""
EVALUATION = """query($from: DateTime!, $to: DateTime!) {
  tagEvaluation(from: $from, to: $to) {
    tag { code } errorRate holders lastRefreshedAt
    utilisation { uses membersReached purchasesAfter } } }"""


async def _uses() -> list[tuple[str, TagUseKind, int, int | None]]:
    rows = await TagUse.all().order_by("id").prefetch_related("tag")
    return [(u.tag.code, u.kind, u.members_reached, u.outreach_id) for u in rows]


async def test_a_send_by_tag_counts_a_use_of_each_tag_it_names(as_role):
    await active_tag("LOYAL")
    await active_tag("LAPSED")
    loyal = [await make_member() for _ in range(3)]
    for member in loyal:
        await assign_tag(member.id, "LOYAL", None, utcnow())
    admin = await as_role(Role.ADMIN)
    audience = {"tagsAny": ["LOYAL"], "tagsNone": ["LAPSED", "NO-SUCH-TAG"]}
    values = {"channel": "SMS", "category": "NOTIFICATION", "content": "Thanks", "filter": audience}
    result = (await admin(SEND, {"input": values}))["data"]["sendCommunication"]
    outreach = await Outreach.get(kind=OutreachKind.SEND)
    assert result["sent"] == 3
    assert sorted(await _uses()) == [
        ("LAPSED", TagUseKind.SEND, 3, outreach.id),
        ("LOYAL", TagUseKind.SEND, 3, outreach.id),
    ]


async def test_a_staff_search_by_tag_counts_with_one_insert(as_role):
    tiers = await make_tiers()
    await active_tag("LOYAL")
    member = await make_member(tier=tiers[0])
    service = await as_role(Role.SERVICE)
    async with count_sql() as by_tier:
        await service(SEARCH, {"filter": {"tierCodes": [tiers[0].code]}})
    assert await _uses() == []
    async with count_sql() as by_tag:
        await service(SEARCH, {"filter": {"tagsAll": ["LOYAL"]}})
    assert await _uses() == [("LOYAL", TagUseKind.SEARCH, 0, None)]
    assert by_tag.count == by_tier.count + 1
    # A member may not search; nothing is counted for them
    refused = await service.as_(await member_token(member.id))(
        SEARCH, {"filter": {"tagsAll": ["LOYAL"]}}
    )
    assert refused["errors"] and len(await _uses()) == 1


async def test_an_approved_campaign_counts_its_audiences_tags(db):
    await active_tag("LOYAL")
    await approved(audience=Audience(tags_all=["LOYAL"]))
    assert await _uses() == [("LOYAL", TagUseKind.CAMPAIGN, 0, None)]


async def _hand_made() -> Any:
    """LOYAL: a send to m1 and m2 (m3 held out), a search, a campaign approval in the
    window, and a search before it; LAPSED: one search. m1 buys twice within 30 days of
    the send and once after; m2's purchase is refunded in full; the held-out m3 buys too."""
    await make_tiers()
    loyal, lapsed = await active_tag("LOYAL"), await active_tag("LAPSED")
    m1, m2, m3 = [await make_member() for _ in range(3)]
    sent_at = utcnow() - 60 * DAY
    outreach = await record_outreach(
        None, OutreachKind.SEND, sent_at, 7, 0.3, Draw([m1.id, m2.id], [m3.id])
    )
    await record_tag_uses(None, [loyal.id], TagUseKind.SEND, sent_at, 2, outreach.id)
    await record_tag_uses(None, [loyal.id], TagUseKind.SEARCH, sent_at + DAY, 0)
    await record_tag_uses(None, [loyal.id], TagUseKind.CAMPAIGN, sent_at + 2 * DAY, 0)
    await record_tag_uses(None, [loyal.id], TagUseKind.SEARCH, sent_at - 100 * DAY, 0)
    await record_tag_uses(None, [lapsed.id], TagUseKind.SEARCH, sent_at, 0)
    await make_purchase(m1, "10.00", sent_at + DAY)
    await make_purchase(m1, "20.00", sent_at + 5 * DAY)
    await make_purchase(m1, "30.00", sent_at + 40 * DAY)
    await make_purchase(m2, "40.00", sent_at + DAY, refunded="40.00")
    await make_purchase(m3, "50.00", sent_at + 2 * DAY)
    window = {"from": (sent_at - DAY).isoformat(), "to": (sent_at + 10 * DAY).isoformat()}
    return window, sent_at


@pytest.mark.parametrize(("days", "after"), [(None, 2), (3, 1)])
async def test_utilisation_on_hand_made_data(as_role, days, after):
    window, _ = await _hand_made()
    analyst = await as_role(Role.ANALYST)
    result = await analyst(UTILISATION, {**window, **({"days": days} if days else {})})
    figures = {row["code"]: row["utilisation"] for row in result["data"]["tagDefinitions"]}
    assert figures == {
        "LOYAL": {"uses": 3, "membersReached": 2, "purchasesAfter": after},
        "LAPSED": {"uses": 1, "membersReached": 0, "purchasesAfter": 0},
    }


async def test_the_quarterly_evaluation(as_role):
    window, sent_at = await _hand_made()
    old, gone = await active_tag("OLD"), await active_tag("GONE")
    await record_tag_uses(None, [old.id], TagUseKind.SEARCH, sent_at, 0)
    for tag in (old, gone):
        await retire_tag_definition(tag.id, utcnow())
    holder = await make_member()
    await assign_tag(holder.id, "LOYAL", None, utcnow())
    await make_member(status=MemberStatus.ACTIVE)
    await TagDefinition.filter(code="LAPSED").update(refreshed_at=sent_at, assignments_total=4)
    await TagDefinition.filter(code="LAPSED").update(errors_total=1)

    result = await (await as_role(Role.MARKETING))(EVALUATION, window)
    rows = {row["tag"]["code"]: row for row in result["data"]["tagEvaluation"]}
    assert list(rows) == ["LAPSED", "LOYAL", "OLD"]  # GONE: retired and unused
    assert rows["LOYAL"]["holders"] == 1 and rows["LOYAL"]["utilisation"]["uses"] == 3
    assert rows["LAPSED"]["errorRate"] == 0.25
    assert (
        rows["LAPSED"]["lastRefreshedAt"] is not None and rows["LOYAL"]["lastRefreshedAt"] is None
    )
    assert rows["OLD"]["utilisation"] == {"uses": 1, "membersReached": 0, "purchasesAfter": 0}


async def _evaluation_statements(api: Any, window: dict[str, str], tags: int) -> int:
    async with count_sql() as counter:
        result = await api(EVALUATION, window)
    assert len(result["data"]["tagEvaluation"]) == tags, result
    return counter.count


async def test_the_evaluation_costs_the_same_for_any_number_of_tags(as_role):
    window, sent_at = await _hand_made()
    admin = await as_role(Role.ADMIN)
    few = await _evaluation_statements(admin, window, 2)
    for n in range(4):
        tag = await active_tag(f"MORE-{n}")
        await record_tag_uses(None, [tag.id], TagUseKind.SEARCH, sent_at, 0)
    assert await _evaluation_statements(admin, window, 6) == few


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.OPERATIONS, True),
        (Role.MARKETING, True),
        (Role.ANALYST, True),
        (Role.SERVICE, False),
        (Role.AUDITOR, False),
    ],
)
async def test_who_may_evaluate_tags(as_role, role, allowed):
    window, _ = await _hand_made()
    api = await as_role(role)
    evaluated = await api(EVALUATION, window)
    assert ("errors" not in evaluated) is allowed
    if role is Role.SERVICE:  # reads the tags, not their utilisation
        result = await api(UTILISATION, window)
        assert {row["utilisation"] for row in result["data"]["tagDefinitions"]} == {None}
        assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}


async def test_a_window_ending_before_it_starts_is_invalid(as_role):
    analyst = await as_role(Role.ANALYST)
    now = utcnow()
    result = await analyst(EVALUATION, {"from": now.isoformat(), "to": (now - DAY).isoformat()})
    assert {e["extensions"]["code"] for e in result["errors"]} == {"INVALID"}
