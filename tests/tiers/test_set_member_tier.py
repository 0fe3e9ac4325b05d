"""`setMemberTier`: a manual override, recorded with its note and notified."""

from __future__ import annotations

from typing import Any

from core.ids import to_global_id
from models.audit import AuditEntry
from models.communication import Communication
from models.enums import AuditOutcome, CommunicationCategory, MemberStatus, Role
from models.member import Member
from models.tier import TierChange
from tests.factories import make_member, make_tiers

SET_TIER = """mutation($input: SetMemberTierInput!) {
  setMemberTier(input: $input) {
    member { id tier { code } tierHistory { from { code } to { code } reason note } }
    errors { field code message }
  }
}"""


async def _set(api: Any, member_id: int, tier_code: str, note: str = "VIP guest") -> Any:
    variables = {
        "input": {
            "memberId": to_global_id("Member", member_id),
            "tierCode": tier_code,
            "note": note,
        }
    }
    result = await api(SET_TIER, variables)
    assert "errors" not in result, result
    return result["data"]["setMemberTier"]


async def test_operations_places_a_member_in_a_tier_by_hand(as_role):
    regular, _, gold, *_ = await make_tiers()
    member = await make_member(tier=regular)
    operations = await as_role(Role.OPERATIONS)
    payload = await _set(operations, member.id, "gold")
    assert payload["errors"] == []
    assert payload["member"]["tier"] == {"code": "GOLD"}
    assert payload["member"]["tierHistory"] == [
        {
            "from": {"code": "REGULAR"},
            "to": {"code": "GOLD"},
            "reason": "MANUAL",
            "note": "VIP guest",
        }
    ]
    change = await TierChange.get(member_id=member.id)
    assert change.created_by_id is not None and change.to_tier_id == gold.id
    notice = await Communication.get(member_id=member.id)
    assert notice.category == CommunicationCategory.NOTIFICATION


async def _refused(
    api: Any, member_id: int, tier_code: str, field: list[str], error: str, note: str = "x"
) -> None:
    payload = await _set(api, member_id, tier_code, note)
    assert payload["member"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, error)]


async def test_refusals_change_nothing(as_role):
    regular, *_ = await make_tiers()
    member = await make_member(tier=regular)
    gone = await make_member(tier=regular, status=MemberStatus.TERMINATED)
    admin = await as_role(Role.ADMIN)
    await _refused(admin, member.id, "REGULAR", ["input", "tierCode"], "INVALID_STATE")
    await _refused(admin, member.id, "NOPE", ["input", "tierCode"], "NOT_FOUND")
    await _refused(admin, member.id, "GOLD", ["input", "note"], "INVALID", note="   ")
    await _refused(admin, gone.id, "GOLD", ["input", "memberId"], "INVALID_STATE")
    await _refused(admin, 99999, "GOLD", ["input", "memberId"], "NOT_FOUND")
    assert not await TierChange.exists()
    assert {m.tier_id for m in await Member.all()} == {regular.id}


async def test_service_staff_may_not_set_tiers(as_role):
    regular, *_ = await make_tiers()
    member = await make_member(tier=regular)
    service = await as_role(Role.SERVICE)
    variables = {
        "input": {"memberId": to_global_id("Member", member.id), "tierCode": "GOLD", "note": "x"}
    }
    result = await service(SET_TIER, variables)
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}
    assert not await TierChange.exists()


async def test_each_attempt_is_audited_with_its_member(as_role):
    regular, *_ = await make_tiers()
    member = await make_member(tier=regular)
    admin = await as_role(Role.ADMIN)
    await _set(admin, member.id, "GOLD")
    await _set(admin, member.id, "GOLD")  # already there: refused
    entries = await AuditEntry.filter(operation_type="mutation").order_by("id")
    assert [(e.fields_, e.outcome, e.error_codes) for e in entries] == [
        (["setMemberTier"], AuditOutcome.OK, []),
        (["setMemberTier"], AuditOutcome.USER_ERROR, ["INVALID_STATE"]),
    ]
    assert all(e.target_ids == [to_global_id("Member", member.id)] for e in entries)
