"""Every member mutation is audited, personal data withheld as [PII] (issue 3 §8)."""

from __future__ import annotations

from core.ids import to_global_id
from models.audit import AuditEntry
from models.enums import Role
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.members.conftest import apply
from tests.members.test_lifecycle import CONSENTS, SUSPEND, TERMINATE
from tests.members.test_profile import REQUEST, UPDATE


async def _entry(field: str) -> AuditEntry:
    entries = [e for e in await AuditEntry.all().order_by("id") if e.fields_ == [field]]
    assert entries, field
    return entries[-1]


async def test_member_mutations_are_audited_with_personal_data_withheld(api, reviewer):
    applied = await apply(api)
    entry = await _entry("applyForMembership")
    assert entry.actor_type == "ANONYMOUS" and entry.outcome.value == "OK"
    submitted = entry.variables["input"]
    for key in ("name", "phone", "email", "address", "idNumber", "birthDate"):
        assert submitted[key] == "[PII]", key
    assert submitted["channel"] == "APP"
    assert applied["application"]["id"] in entry.target_ids

    member = await make_member(name="郑爽")
    target = to_global_id("Member", member.id)
    admin = api.as_(await staff_token(Role.ADMIN))
    await admin(
        UPDATE, {"input": {"id": target, "phone": "13611112222", "idNumber": "310115198511204566"}}
    )
    entry = await _entry("updateMember")
    assert entry.variables["input"]["phone"] == "[PII]"
    assert entry.variables["input"]["idNumber"] == "[PII]"
    assert target in entry.target_ids

    mine = api.as_(await member_token(member.id))
    await mine(REQUEST, {"input": {"email": "zheng@example.com", "reason": "换邮箱"}})
    entry = await _entry("requestProfileChange")
    assert entry.variables["input"]["email"] == "[PII]"
    assert entry.actor_type == "MEMBER"

    await mine(CONSENTS, {"input": {"consents": {"marketingPush": True}}})
    assert target in (await _entry("setConsents")).target_ids

    await admin(SUSPEND, {"input": {"id": target, "reason": "核查"}})
    assert target in (await _entry("suspendMember")).target_ids

    failed = await admin(
        TERMINATE, {"input": {"id": to_global_id("Member", 999), "reason": "VIOLATION"}}
    )
    assert failed["data"]["terminateMembership"]["errors"][0]["code"] == "NOT_FOUND"
    entry = await _entry("terminateMembership")
    assert entry.outcome.value == "USER_ERROR" and entry.error_codes == ["NOT_FOUND"]

    every = str([(e.variables, e.target_ids) for e in await AuditEntry.all()])
    for clear in (
        "郑爽",
        "13611112222",
        "310115198511204566",
        "zheng@example.com",
        "李小红",
        "13812345678",
        "11010519491231002X",
    ):
        assert clear not in every, clear
