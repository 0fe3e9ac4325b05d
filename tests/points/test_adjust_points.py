"""adjustPoints over GraphQL: signed, reasoned, keyed, never below zero."""

from __future__ import annotations

from models.enums import MemberStatus, Role
from models.member import Member
from tests.factories import make_member
from tests.points.helpers import ADJUST, adjust, gid, redeem, staff_api


async def test_credit_and_debit_with_reason_and_author(api):
    member = await make_member()
    ops = await staff_api(api)
    credit = await adjust(ops, member.id, 40, "a1", reason="service recovery")
    debit = await adjust(ops, member.id, -15, "a2", reason="duplicate credit")
    assert credit["entry"]["reason"] == "service recovery"
    assert credit["entry"]["createdBy"]["displayName"].startswith("Test operations-")
    assert (debit["entry"]["points"], debit["entry"]["balanceAfter"]) == (-15, 25)
    assert debit["member"] == {"pointsBalance": 25}


async def test_debit_below_zero_is_insufficient_points(api):
    member = await make_member()
    ops = await staff_api(api)
    await adjust(ops, member.id, 5, "a1")
    result = await adjust(ops, member.id, -6, "a2")
    assert result["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert (await Member.get(id=member.id)).points_balance == 5


async def test_reason_is_required_and_zero_is_invalid(api):
    member = await make_member()
    ops = await staff_api(api)
    blank = await adjust(ops, member.id, 5, "a1", reason="  ")
    assert [(e["code"], e["field"]) for e in blank["errors"]] == [("INVALID", ["input", "reason"])]
    zero = await adjust(ops, member.id, 0, "a2")
    assert zero["errors"][0]["field"] == ["input", "points"]


async def test_repeated_key_replays_and_a_key_of_a_redemption_is_duplicate(api):
    member = await make_member()
    ops = await staff_api(api)
    first = await adjust(ops, member.id, 50, "a1")
    assert (await adjust(ops, member.id, 50, "a1"))["entry"] == first["entry"]
    await redeem(ops, 5, "r1", member.id)
    clash = await adjust(ops, member.id, 5, "r1")
    assert clash["errors"][0]["code"] == "DUPLICATE"
    assert (await Member.get(id=member.id)).points_balance == 45


async def test_terminated_member_cannot_be_adjusted(api):
    member = await make_member(status=MemberStatus.TERMINATED)
    ops = await staff_api(api)
    result = await adjust(ops, member.id, 5, "a1")
    assert result["errors"][0]["code"] == "INVALID_STATE"


async def test_service_role_may_not_adjust(api):
    member = await make_member()
    service = await staff_api(api, Role.SERVICE)
    response = await service.post(
        ADJUST,
        {
            "input": {
                "memberId": gid(member.id),
                "points": 5,
                "reason": "x",
                "idempotencyKey": "s",
            }
        },
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=member.id)).points_balance == 0
