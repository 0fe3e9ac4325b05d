"""Campaigns over GraphQL: propose, four eyes, update, end, the list, the ledger's campaign."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.ids import to_global_id
from models.audit import AuditEntry
from models.campaign import Campaign
from models.enums import Role
from services.clock import utcnow
from tests.campaigns.helpers import approved
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_tiers
from tests.points.helpers import RECORD
from tests.sql_counter import count_sql

FIELDS = """campaign { id code name status startsAt endsAt audience { tierCodes tagsAll tagsAny
tagsNone } minAmount channels multiplier bonusPoints maxPointsPerMember budgetPoints
pointsIssued membersReached proposedBy { displayName } reviewedBy { displayName } }
errors { field code message }"""
PROPOSE = f"""mutation($i: ProposeCampaignInput!) {{ proposeCampaign(input: $i) {{ {FIELDS} }} }}"""
UPDATE = f"""mutation($i: UpdateCampaignInput!) {{ updateCampaign(input: $i) {{ {FIELDS} }} }}"""
REVIEW = f"""mutation($i: ReviewCampaignInput!) {{ reviewCampaign(input: $i) {{ {FIELDS} }} }}"""
END = f"""mutation($i: CampaignIdInput!) {{ endCampaign(input: $i) {{ {FIELDS} }} }}"""
LIST = """query($first: Int) { campaigns(first: $first) { totalCount edges { node {
id code status audience { tierCodes } pointsIssued proposedBy { displayName }
reviewedBy { displayName } } } } }"""
LEDGER = """query($id: ID!) { member(id: $id) { pointsLedger(first: 10) { edges { node {
kind points reason campaign { code name } } } } } }"""


def terms(**changes: Any) -> dict[str, Any]:
    now = utcnow()
    given: dict[str, Any] = {
        "code": "SPRING-2X",
        "name": "Spring double points",
        "startsAt": (now - timedelta(days=1)).isoformat(),
        "endsAt": (now + timedelta(days=30)).isoformat(),
        "multiplier": "2",
    }
    given.update(changes)
    return {key: value for key, value in given.items() if value is not None}


async def _propose(api: Any, token: str, **changes: Any) -> dict[str, Any]:
    result = await api(PROPOSE, {"i": terms(**changes)}, token=token)
    return result["data"]["proposeCampaign"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"endsAt": (utcnow() - timedelta(days=2)).isoformat()}, ["input", "endsAt"]),
        ({"multiplier": "0.5"}, ["input", "multiplier"]),
        ({"multiplier": "10.5"}, ["input", "multiplier"]),
        ({"multiplier": None, "bonusPoints": -1}, ["input", "bonusPoints"]),
        ({"multiplier": None}, ["input", "multiplier"]),
        ({"bonusPoints": 10}, ["input", "multiplier"]),
        ({"audience": {"tierCodes": ["NOPE"]}}, ["input", "audience"]),
        ({"audience": {"tagsAny": ["NOPE"]}}, ["input", "audience"]),
        ({"code": "has space"}, ["input", "code"]),
        ({"minAmount": "-1"}, ["input", "minAmount"]),
    ],
)
async def test_bad_terms_are_invalid_and_write_nothing(api, changes, field):
    await make_tiers()
    payload = await _propose(api, await staff_token(Role.MARKETING), **changes)
    assert payload["campaign"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("INVALID", field)]
    assert await Campaign.all().count() == 0


async def test_overlapping_campaigns_are_fine(api):
    token = await staff_token(Role.MARKETING)
    assert (await _propose(api, token))["errors"] == []
    assert (await _propose(api, token, code="OTHER"))["errors"] == []
    duplicate = await _propose(api, token)
    assert [error["code"] for error in duplicate["errors"]] == ["DUPLICATE"]


async def test_four_eyes_then_update_refused_then_end(api):
    proposer = await staff_token(Role.MARKETING, "marketer")
    admin_proposer = await staff_token(Role.ADMIN, "admin-proposer")
    reviewer = await staff_token(Role.OPERATIONS, "operator")
    made = (await _propose(api, proposer))["campaign"]
    assert (made["status"], made["proposedBy"]["displayName"]) == (
        "PENDING_REVIEW",
        "Test marketer",
    )
    # while pending its proposer may change it
    changed = await api(
        UPDATE, {"i": {**terms(name="Spring 2x"), "id": made["id"]}}, token=proposer
    )
    assert changed["data"]["updateCampaign"]["campaign"]["name"] == "Spring 2x"
    # an ADMIN may not approve their own proposal
    own = (await _propose(api, admin_proposer, code="OWN"))["campaign"]
    refused = await api(
        REVIEW, {"i": {"id": own["id"], "decision": "APPROVE"}}, token=admin_proposer
    )
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Campaign.get(code="OWN")).status.value == "PENDING_REVIEW"
    # another staff member approves
    review = {"i": {"id": made["id"], "decision": "APPROVE", "note": "ok"}}
    approved_ = (await api(REVIEW, review, token=reviewer))["data"]["reviewCampaign"]
    assert approved_["campaign"]["status"] == "APPROVED"
    assert approved_["campaign"]["reviewedBy"]["displayName"] == "Test operator"
    again = (await api(REVIEW, review, token=reviewer))["data"]["reviewCampaign"]
    assert [error["code"] for error in again["errors"]] == ["INVALID_STATE"]
    # once approved it never changes
    late = await api(UPDATE, {"i": {**terms(name="Late"), "id": made["id"]}}, token=proposer)
    assert [e["code"] for e in late["data"]["updateCampaign"]["errors"]] == ["INVALID_STATE"]
    # ended early by MARKETING
    ended = (await api(END, {"i": {"id": made["id"]}}, token=proposer))["data"]["endCampaign"]
    assert ended["campaign"]["status"] == "ENDED"
    twice = (await api(END, {"i": {"id": made["id"]}}, token=proposer))["data"]["endCampaign"]
    assert [error["code"] for error in twice["errors"]] == ["INVALID_STATE"]


async def test_end_to_end_a_purchase_earns_the_campaign_and_the_ledger_names_it(api):
    await make_tiers()
    member = await make_member()
    marketer = await staff_token(Role.MARKETING, "marketer")
    operator = await staff_token(Role.OPERATIONS, "operator")
    made = (await _propose(api, marketer, channels=["APP"]))["campaign"]
    await api(REVIEW, {"i": {"id": made["id"], "decision": "APPROVE"}}, token=operator)
    purchase = {"memberId": to_global_id("Member", member.id), "orderRef": "O-1", "amount": "120"}
    recorded = await api(RECORD, {"input": {**purchase, "channel": "APP"}}, token=operator)
    assert recorded["data"]["recordPurchase"]["member"]["pointsBalance"] == 240
    mine = await api(
        LEDGER, {"id": to_global_id("Member", member.id)}, token=await member_token(member.id)
    )
    rows = [edge["node"] for edge in mine["data"]["member"]["pointsLedger"]["edges"]]
    assert {
        "kind": "EARN",
        "points": 120,
        "reason": "Spring double points",
        "campaign": {"code": "SPRING-2X", "name": "Spring double points"},
    } in rows


async def test_a_member_reads_code_and_name_of_their_entry_campaign_only(api):
    member = await make_member()
    await approved(bonus_points=5, name="Bonus")
    operator = await staff_token(Role.OPERATIONS)
    purchase = {"memberId": to_global_id("Member", member.id), "orderRef": "O-1", "amount": "1"}
    await api(RECORD, {"input": purchase}, token=operator)
    query = """query($id: ID!) { member(id: $id) { pointsLedger(first: 5) { edges { node {
    campaign { name pointsIssued } } } } } }"""
    result = await api(
        query, {"id": to_global_id("Member", member.id)}, token=await member_token(member.id)
    )
    assert {"name": "Bonus", "pointsIssued": None} in [
        edge["node"]["campaign"] for edge in result["data"]["member"]["pointsLedger"]["edges"]
    ]
    assert {error["extensions"]["code"] for error in result["errors"]} == {"FORBIDDEN"}


@pytest.mark.parametrize("role", [Role.SERVICE, Role.AUDITOR])
async def test_the_list_is_forbidden_to_other_staff(api, role):
    result = await api(LIST, {"first": 5}, token=await staff_token(role))
    assert result["data"] is None or result["data"]["campaigns"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_list_is_forbidden_to_members(api):
    member = await make_member()
    result = await api(LIST, {"first": 5}, token=await member_token(member.id))
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATIONS, Role.MARKETING, Role.ANALYST])
async def test_the_list_is_read_by_campaign_staff(api, role):
    await approved(bonus_points=1)
    result = await api(LIST, {"first": 5}, token=await staff_token(role))
    assert "errors" not in result
    assert result["data"]["campaigns"]["totalCount"] == 1


async def test_the_list_costs_the_same_statements_at_any_page_size(api):
    for _ in range(5):  # a row beyond either page: both are counted
        await approved(bonus_points=1)
    token = await staff_token(Role.ANALYST)
    counts = []
    for first in (2, 4):
        async with count_sql() as counter:
            result = await api(LIST, {"first": first}, token=token)
        assert len(result["data"]["campaigns"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_update_checks_the_terms_as_a_proposal_does(api):
    token = await staff_token(Role.MARKETING)
    made = (await _propose(api, token))["campaign"]
    bad = {**terms(multiplier="11"), "id": made["id"]}
    result = (await api(UPDATE, {"i": bad}, token=token))["data"]["updateCampaign"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", ["input", "multiplier"])
    ]
    assert (await Campaign.get(code="SPRING-2X")).multiplier == 2
    gone = {**terms(), "id": to_global_id("Campaign", 999)}
    missing = (await api(UPDATE, {"i": gone}, token=token))["data"]["updateCampaign"]
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]


async def test_campaign_mutations_are_audited_with_their_target(api):
    made = (await _propose(api, await staff_token(Role.MARKETING)))["campaign"]
    entry = await AuditEntry.filter(operation_name=None).order_by("-id").first()
    assert entry is not None
    assert entry.fields_ == ["proposeCampaign"] and entry.target_ids == [made["id"]]
