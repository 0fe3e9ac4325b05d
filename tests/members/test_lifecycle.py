"""Consents, suspension and termination (issue 3 §5-§7)."""

from __future__ import annotations

import io
from datetime import timedelta

from app.jobs import job
from app.progress import terminal_bar
from core.ids import to_global_id
from models.benefit import Benefit, BenefitUsage
from models.communication import Communication
from models.enums import (
    BenefitCategory,
    BenefitPeriod,
    CommunicationCategory,
    MemberStatus,
    Role,
)
from models.member import Member, ProfileChangeRequest
from models.tag import MemberTag
from services.clock import utcnow
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.members.test_reading import tag

CONSENTS = """mutation($input: SetConsentsInput!) { setConsents(input: $input) {
  member { id consents { marketingSms marketingEmail marketingPhone marketingPush profiling
  updatedAt } } errors { field code message } } }"""
SUSPEND = """mutation($input: SuspendMemberInput!) { suspendMember(input: $input) {
  member { status suspendedReason } errors { field code message } } }"""
REINSTATE = """mutation($id: ID!) { reinstateMember(id: $id) {
  member { status suspendedReason } errors { field code message } } }"""
TERMINATE = """mutation($input: TerminateMembershipInput!) { terminateMembership(input: $input) {
  member { id status terminationReason terminationEffectiveAt name phone }
  errors { field code message } } }"""
RUN = """mutation($asOf: DateTime) { runTerminations(asOf: $asOf) {
  job asOf examined changed durationMs } }"""


def gid(member) -> str:
    return to_global_id("Member", member.id)


async def test_a_member_sets_their_own_consents(api, db):
    member = await make_member()
    mine = api.as_(await member_token(member.id))
    before = utcnow()
    result = await mine(
        CONSENTS, {"input": {"consents": {"marketingSms": True, "profiling": True}}}
    )
    payload = result["data"]["setConsents"]
    assert payload["errors"] == []
    consents = payload["member"]["consents"]
    assert consents["marketingSms"] is True and consents["profiling"] is True
    assert consents["marketingEmail"] is False
    row = await Member.get(id=member.id)
    assert row.consents_updated_at is not None and row.consents_updated_at >= before
    # Fields left out keep their value.
    again = await mine(CONSENTS, {"input": {"consents": {"marketingSms": False}}})
    assert again["data"]["setConsents"]["member"]["consents"]["profiling"] is True


async def test_staff_set_consents_per_policy_and_members_only_their_own(api, db):
    member = await make_member()
    other = await make_member()
    service = api.as_(await staff_token(Role.SERVICE))
    done = await service(
        CONSENTS, {"input": {"memberId": gid(member), "consents": {"marketingEmail": True}}}
    )
    assert done["data"]["setConsents"]["member"]["consents"]["marketingEmail"] is True
    missing_id = await service(CONSENTS, {"input": {"consents": {"marketingEmail": True}}})
    assert missing_id["data"]["setConsents"]["errors"][0]["code"] == "INVALID"
    marketing = api.as_(await staff_token(Role.MARKETING))
    denied = await marketing(
        CONSENTS, {"input": {"memberId": gid(member), "consents": {"marketingSms": True}}}
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = api.as_(await member_token(member.id))
    theirs = await mine(
        CONSENTS, {"input": {"memberId": gid(other), "consents": {"marketingSms": True}}}
    )
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=other.id)).marketing_sms is False


async def test_suspend_and_reinstate(api, db):
    member = await make_member()
    operations = api.as_(await staff_token(Role.OPERATIONS))
    suspended = await operations(SUSPEND, {"input": {"id": gid(member), "reason": "涉嫌刷单"}})
    assert suspended["data"]["suspendMember"]["member"] == {
        "status": "SUSPENDED",
        "suspendedReason": "涉嫌刷单",
    }
    twice = await operations(SUSPEND, {"input": {"id": gid(member), "reason": "again"}})
    assert twice["data"]["suspendMember"]["errors"][0]["code"] == "INVALID_STATE"
    reinstated = await operations(REINSTATE, {"id": gid(member)})
    assert reinstated["data"]["reinstateMember"]["member"] == {
        "status": "ACTIVE",
        "suspendedReason": None,
    }
    not_suspended = await operations(REINSTATE, {"id": gid(member)})
    assert not_suspended["data"]["reinstateMember"]["errors"][0] == {
        "field": ["id"],
        "code": "INVALID_STATE",
        "message": not_suspended["data"]["reinstateMember"]["errors"][0]["message"],
    }
    blank = await operations(SUSPEND, {"input": {"id": gid(member), "reason": "  "}})
    assert blank["data"]["suspendMember"]["errors"][0]["code"] == "INVALID"
    missing = await operations(
        SUSPEND, {"input": {"id": to_global_id("Member", 999), "reason": "x"}}
    )
    assert missing["data"]["suspendMember"]["errors"][0]["code"] == "NOT_FOUND"
    service = api.as_(await staff_token(Role.SERVICE))
    denied = await service(SUSPEND, {"input": {"id": gid(member), "reason": "x"}})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=member.id)).status is MemberStatus.ACTIVE


async def test_suspension_can_revoke_benefit_usages(api, db):
    member = await make_member()
    benefit = await Benefit.create(
        code="LOUNGE",
        name="贵宾室",
        category=BenefitCategory.PRIORITY_SERVICE,
        usage_limit=1,
        usage_period=BenefitPeriod.LIFETIME,
    )
    usage = await BenefitUsage.create(
        benefit=benefit, member=member, used_at=utcnow(), idempotency_key="k1"
    )
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin(
        SUSPEND, {"input": {"id": gid(member), "reason": "违规", "revokeBenefits": True}}
    )
    assert result["data"]["suspendMember"]["member"]["status"] == "SUSPENDED"
    revoked = await BenefitUsage.get(id=usage.id)
    assert revoked.revoked is True and "违规" in (revoked.revoked_reason or "")


async def test_staff_termination_notifies_then_takes_effect_in_the_job(api, db):
    member = await make_member(name="孙丽", phone="13588889999")
    await tag("VIP", member)
    token = await member_token(member.id)
    admin = api.as_(await staff_token(Role.ADMIN))
    effective = utcnow() + timedelta(days=30)
    result = await admin(
        TERMINATE,
        {
            "input": {
                "id": gid(member),
                "reason": "INACTIVITY",
                "note": "两年未消费",
                "effectiveAt": effective.isoformat(),
            }
        },
    )
    payload = result["data"]["terminateMembership"]
    assert payload["errors"] == []
    assert payload["member"]["status"] == "TERMINATING"
    assert payload["member"]["terminationReason"] == "INACTIVITY"
    assert payload["member"]["name"] == "孙丽"
    notice = await Communication.get(member_id=member.id)
    assert notice.category is CommunicationCategory.NOTIFICATION

    twice = await admin(TERMINATE, {"input": {"id": gid(member), "reason": "VIOLATION"}})
    assert twice["data"]["terminateMembership"]["errors"][0]["code"] == "INVALID_STATE"

    early = (await admin(RUN, {"asOf": utcnow().isoformat()}))["data"]["runTerminations"]
    assert early["job"] == "terminations" and early["examined"] == 0
    assert (await Member.get(id=member.id)).status is MemberStatus.TERMINATING

    due = await admin(RUN, {"asOf": (effective + timedelta(seconds=1)).isoformat()})
    report = due["data"]["runTerminations"]
    assert report["examined"] == 1 and report["changed"] == 1
    await _assert_terminated_and_erased(api, admin, member, token)
    again = await admin(RUN, {"asOf": (effective + timedelta(days=1)).isoformat()})
    assert again["data"]["runTerminations"]["changed"] == 0


async def _assert_terminated_and_erased(api, admin, member, token):
    row = await Member.get(id=member.id)
    assert row.status is MemberStatus.TERMINATED and row.terminated_at is not None
    for attr in (
        "name",
        "birth_date",
        "phone",
        "email",
        "address",
        "id_number_enc",
        "id_number_hash",
        "password_hash",
    ):
        assert getattr(row, attr) is None, attr
    assert await MemberTag.filter(member_id=member.id).count() == 0
    assert all(
        c.content is None and c.subject is None
        for c in await Communication.filter(member_id=member.id)
    )
    # Sessions are revoked: the old token no longer signs in.
    me = await api.as_(token).post("{ me { id } }")
    assert me.status_code == 401
    assert me.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    shown = await admin(
        "query($id: ID) { member(id: $id) { status name phone idNumber } }", {"id": gid(member)}
    )
    assert shown["data"]["member"] == {
        "status": "TERMINATED",
        "name": None,
        "phone": None,
        "idNumber": None,
    }


async def test_a_member_withdraws_voluntarily_at_once(api, db):
    member = await make_member(name="钱多多")
    token = await member_token(member.id)
    mine = api.as_(token)
    pending = await mine("""mutation { requestProfileChange(input: {name: "钱少少"}) {
      request { id } errors { code } } }""")
    assert pending["data"]["requestProfileChange"]["errors"] == []
    refused = await mine(TERMINATE, {"input": {"reason": "VIOLATION"}})
    assert refused["data"]["terminateMembership"]["errors"][0]["code"] == "INVALID"
    result = await mine(TERMINATE, {"input": {"reason": "VOLUNTARY", "note": "不再需要"}})
    payload = result["data"]["terminateMembership"]
    assert payload["errors"] == []
    assert payload["member"]["status"] == "TERMINATED"
    admin = api.as_(await staff_token(Role.ADMIN))
    await _assert_terminated_and_erased(api, admin, member, token)
    request = await ProfileChangeRequest.get(member_id=member.id)
    assert request.status.value == "REJECTED" and request.changes == {}


async def test_a_member_cannot_terminate_another(api, db):
    member = await make_member()
    other = await make_member()
    mine = api.as_(await member_token(member.id))
    result = await mine(TERMINATE, {"input": {"id": gid(other), "reason": "VOLUNTARY"}})
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=other.id)).status is MemberStatus.ACTIVE


async def test_termination_in_the_past_is_immediate_and_default_notice_applies(api, db):
    member = await make_member()
    later = await make_member()
    operations = api.as_(await staff_token(Role.OPERATIONS))
    past = (utcnow() - timedelta(hours=1)).isoformat()
    now_done = await operations(
        TERMINATE, {"input": {"id": gid(member), "reason": "VIOLATION", "effectiveAt": past}}
    )
    assert now_done["data"]["terminateMembership"]["member"]["status"] == "TERMINATED"
    noticed = await operations(
        TERMINATE, {"input": {"id": gid(later), "reason": "BUSINESS_CHANGE"}}
    )
    member_out = noticed["data"]["terminateMembership"]["member"]
    assert member_out["status"] == "TERMINATING"
    row = await Member.get(id=later.id)
    assert row.termination_effective_at - utcnow() > timedelta(days=29)
    gone = await operations(TERMINATE, {"input": {"id": gid(member), "reason": "VIOLATION"}})
    assert gone["data"]["terminateMembership"]["errors"][0]["code"] == "INVALID_STATE"
    staff_without_id = await operations(TERMINATE, {"input": {"reason": "VIOLATION"}})
    assert staff_without_id["data"]["terminateMembership"]["errors"][0]["code"] == "INVALID"
    service = api.as_(await staff_token(Role.SERVICE))
    denied = await service(RUN)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_terminations_job_is_wired_to_the_cli(db):
    run_terminations = job("terminations")
    member = await make_member(
        status=MemberStatus.TERMINATING, termination_effective_at=utcnow() - timedelta(minutes=1)
    )
    result = await run_terminations(utcnow(), progress=terminal_bar("terminations", io.StringIO()))
    assert (result.examined, result.changed) == (1, 1)
    assert (await Member.get(id=member.id)).status is MemberStatus.TERMINATED
