"""Enrollment over GraphQL (issue 3 §1): apply, rate limit, review, activation, duplicates."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import httpx
import pytest

from app.server import create_app
from core.settings import get_settings
from models.communication import Communication
from models.enums import CommunicationCategory, Role, TierChangeReason
from models.member import Member, MembershipApplication
from models.tier import Tier, TierChange
from resolvers.ids import from_global_id
from services.clock import utcnow
from tests.conftest import Api, make_staff, staff_token
from tests.members.conftest import ACTIVATE, APPLY, REVIEW, application_input, apply, enroll

ME = "{ me { id memberNo name } }"


async def test_anyone_may_apply_and_the_application_waits_for_review(api, reviewer):
    applied = await apply(api)
    assert applied["errors"] == []
    assert applied["application"]["status"] == "PENDING"
    listed = await reviewer(
        "{ membershipApplications(status: PENDING) {"
        " totalCount edges { node { id name phone } } } }"
    )
    page = listed["data"]["membershipApplications"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"] == {
        "id": applied["application"]["id"],
        "name": "李小红",
        "phone": "13812345678",
    }


async def test_applications_are_for_reviewers_only(api, tiers):
    await apply(api)
    for caller in (api, api.as_(await staff_token(Role.MARKETING))):
        result = await caller("{ membershipApplications { totalCount } }")
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}


async def test_applications_are_rate_limited_per_client_address(api, tiers):
    limit = get_settings().apply_rate_limit
    for n in range(limit):
        applied = await apply(api, phone=f"1380000{n:04d}", idNumber=None)
        assert applied["errors"] == [], applied
    refused = await apply(api, phone="13900000000", idNumber=None)
    assert refused["application"] is None
    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert re.search(r"try again in \d+ seconds", refused["errors"][0]["message"])

    other_app = create_app(get_settings(), manage_db=False)
    transport = httpx.ASGITransport(app=other_app, client=("198.51.100.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        accepted = await apply(Api(other), phone="13900000000", idNumber=None)
    assert accepted["errors"] == []
    assert await MembershipApplication.all().count() == limit + 1


async def test_staff_enrolling_at_the_counter_is_not_limited_per_address(api, tiers):
    limit = get_settings().apply_rate_limit
    clerk = api.as_(await staff_token(Role.SERVICE, "clerk"))
    channels = ("STORE", "CUSTOMER_SERVICE", "EVENT", "PARTNER")
    for n in range(limit + 2):
        applied = await apply(
            clerk, phone=f"1370000{n:04d}", idNumber=None, channel=channels[n % len(channels)]
        )
        assert applied["errors"] == [], (n, applied)
    # Anonymous callers from the same address keep their own limit, whole.
    for n in range(limit):
        applied = await apply(api, phone=f"1380000{n:04d}", idNumber=None, channel="STORE")
        assert applied["errors"] == [], (n, applied)
    refused = await apply(api, phone="13900000000", idNumber=None, channel="STORE")
    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert await MembershipApplication.all().count() == 2 * limit + 2


async def test_approval_creates_an_active_member_in_the_entry_tier(api, reviewer):
    before = utcnow()
    approved = await enroll(api, reviewer, requestedTierCode="GOLD")
    application = approved["application"]
    assert application["status"] == "APPROVED"
    assert application["reviewNote"] == "ok"
    assert application["reviewedBy"] == {"displayName": "Test reviewer"}
    member = application["member"]
    assert member["status"] == "ACTIVE"
    row = await Member.get(member_no=member["memberNo"]).prefetch_related("tier")
    # GOLD needs spend and orders a new member cannot have: the entry tier instead.
    assert row.tier.code == "REGULAR"
    assert row.id == int(from_global_id(member["id"])[1])

    change = await TierChange.get(member_id=row.id)
    assert change.reason is TierChangeReason.ENROLLMENT and change.from_tier_id is None
    shown = await reviewer(
        "query($id: ID) { member(id: $id) { tier { code } tierHistory { from { code } "
        "to { code } reason } } }",
        {"id": member["id"]},
    )
    assert shown["data"]["member"] == {
        "tier": {"code": "REGULAR"},
        "tierHistory": [{"from": None, "to": {"code": "REGULAR"}, "reason": "ENROLLMENT"}],
    }
    welcome = await Communication.get(member_id=row.id)
    assert welcome.category is CommunicationCategory.NOTIFICATION
    assert member["memberNo"] in (welcome.content or "")

    code = approved["activationCode"]
    assert code and row.activation_code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(await Member.filter(id=row.id).values())
    assert row.activation_expires_at is not None
    validity = row.activation_expires_at - before
    assert timedelta(hours=72) <= validity < timedelta(hours=72, minutes=1)


async def test_member_numbers_are_unique(api, reviewer):
    first = await enroll(api, reviewer)
    second = await enroll(api, reviewer, phone="13912345678", idNumber=None)
    numbers = {payload["application"]["member"]["memberNo"] for payload in (first, second)}
    assert len(numbers) == 2


async def test_a_requested_tier_whose_criteria_are_met_is_granted(api, reviewer):
    await Tier.filter(code="SILVER").update(min_spend=0, min_orders=0)
    approved = await enroll(api, reviewer, requestedTierCode="SILVER")
    member_no = approved["application"]["member"]["memberNo"]
    member = await Member.get(member_no=member_no).prefetch_related("tier")
    assert member.tier.code == "SILVER"


async def test_an_unknown_requested_tier_is_refused(api, tiers):
    refused = await apply(api, requestedTierCode="NOPE")
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    assert refused["errors"][0]["field"] == ["input", "requestedTierCode"]


async def test_rejection_keeps_the_reason_and_a_second_review_is_refused(api, reviewer):
    applied = await apply(api)
    application_id = applied["application"]["id"]
    rejected = await reviewer(
        REVIEW, {"id": application_id, "decision": "REJECT", "note": "资料不全"}
    )
    payload = rejected["data"]["reviewMembershipApplication"]
    assert payload["errors"] == []
    assert payload["application"]["status"] == "REJECTED"
    assert payload["application"]["reviewNote"] == "资料不全"
    assert payload["application"]["member"] is None
    assert payload["activationCode"] is None
    assert await Member.all().count() == 0

    again = await reviewer(REVIEW, {"id": application_id, "decision": "APPROVE"})
    assert again["data"]["reviewMembershipApplication"]["errors"][0]["code"] == "INVALID_STATE"
    assert await Member.all().count() == 0


async def test_reviewing_needs_a_reviewer_role(api, tiers):
    applied = await apply(api)
    analyst = api.as_(await staff_token(Role.ANALYST))
    result = await analyst(REVIEW, {"id": applied["application"]["id"], "decision": "APPROVE"})
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Member.all().count() == 0


async def test_activation_sets_the_password_and_signs_in_once(api, reviewer):
    approved = await enroll(api, reviewer)
    member_no = approved["application"]["member"]["memberNo"]
    code = approved["activationCode"]
    variables = {
        "input": {
            "memberNo": member_no,
            "activationCode": code,
            "password": "a-long-new-passphrase",
        }
    }
    activated = (await api(ACTIVATE, variables))["data"]["activateMembership"]
    assert activated["errors"] == []
    session = activated["session"]
    assert session["viewer"]["member"]["memberNo"] == member_no
    me = await api.as_(session["token"])(ME)
    assert me["data"]["me"]["memberNo"] == member_no

    login = """mutation($i: String!, $p: String!) { memberLogin(input: {identifier: $i,
      password: $p}) { session { token } errors { code } } }"""
    logged_in = await api(login, {"i": member_no, "p": "a-long-new-passphrase"})
    assert logged_in["data"]["memberLogin"]["session"]["token"]

    reused = (await api(ACTIVATE, variables))["data"]["activateMembership"]
    assert reused["session"] is None
    assert reused["errors"][0]["code"] == "INVALID"


async def test_an_expired_activation_code_is_refused(api, reviewer):
    approved = await enroll(api, reviewer)
    member_no = approved["application"]["member"]["memberNo"]
    await Member.filter(member_no=member_no).update(
        activation_expires_at=utcnow() - timedelta(seconds=1)
    )
    result = await api(
        ACTIVATE,
        {
            "input": {
                "memberNo": member_no,
                "activationCode": approved["activationCode"],
                "password": "a-long-new-passphrase",
            }
        },
    )
    payload = result["data"]["activateMembership"]
    assert payload["session"] is None and payload["errors"][0]["code"] == "INVALID"
    assert (await Member.get(member_no=member_no)).password_hash is None


async def test_a_wrong_activation_code_is_refused(api, reviewer):
    approved = await enroll(api, reviewer)
    member_no = approved["application"]["member"]["memberNo"]
    result = await api(
        ACTIVATE,
        {
            "input": {
                "memberNo": member_no,
                "activationCode": "guess",
                "password": "a-long-new-passphrase",
            }
        },
    )
    assert result["data"]["activateMembership"]["errors"][0]["code"] == "INVALID"


@pytest.mark.parametrize("clash", ["phone", "idNumber"])
async def test_a_live_member_with_the_same_phone_or_id_number_is_a_duplicate(api, reviewer, clash):
    await enroll(api, reviewer)
    other = {"phone": "13987654321", "idNumber": "44030519900101123X"}
    other.pop(clash)
    # Same value written differently: +86 prefix, lower-case x.
    if clash == "phone":
        other["phone"] = "+86 138-1234-5678"
    else:
        other["idNumber"] = "11010519491231002x"
    refused = await apply(api, **other)
    assert refused["application"] is None
    assert refused["errors"][0]["code"] == "DUPLICATE"
    assert refused["errors"][0]["field"] == ["input", clash]


async def test_approval_rechecks_duplicates(api, reviewer):
    first = await apply(api)
    second = await apply(api, name="李小红二")
    await reviewer(REVIEW, {"id": first["application"]["id"], "decision": "APPROVE"})
    clash = await reviewer(REVIEW, {"id": second["application"]["id"], "decision": "APPROVE"})
    payload = clash["data"]["reviewMembershipApplication"]
    assert payload["errors"][0]["code"] == "DUPLICATE"
    assert await Member.all().count() == 1
    # The failed approval changed nothing: the application is still pending.
    second_id = int(from_global_id(second["application"]["id"])[1])
    pending = await MembershipApplication.get(id=second_id)
    assert pending.status.value == "PENDING"


async def test_a_terminated_member_frees_the_phone(api, reviewer):
    await enroll(api, reviewer)
    await Member.all().update(status="TERMINATED")
    again = await apply(api)
    assert again["errors"] == []


async def test_bad_application_input_is_a_clear_error(api, tiers):
    result = await api(APPLY, {"input": application_input(phone="12345")})
    payload = result["data"]["applyForMembership"]
    assert payload["errors"][0] == {
        "field": ["input", "phone"],
        "code": "INVALID",
        "message": payload["errors"][0]["message"],
    }
    missing = await api(APPLY, {"input": {"name": "x", "channel": "APP"}})
    assert missing["errors"] and missing.get("data") is None
    assert await MembershipApplication.all().count() == 0


async def test_staff_reviewer_is_recorded(api, tiers):
    staff = await make_staff(Role.OPERATIONS, "opsreviewer")
    from auth.authentication import issue_session

    token = (await issue_session(utcnow(), staff_id=staff.id)).token
    applied = await apply(api)
    await api.as_(token)(REVIEW, {"id": applied["application"]["id"], "decision": "APPROVE"})
    application = await MembershipApplication.get(
        id=int(from_global_id(applied["application"]["id"])[1])
    )
    assert application.reviewed_by_id == staff.id
