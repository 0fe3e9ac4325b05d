"""redeemPoints over GraphQL: members for themselves, staff for anyone, never below zero."""

from __future__ import annotations

from models.audit import AuditEntry
from models.enums import MemberStatus, Role
from models.member import Member
from models.points import PointsEntry
from tests.conftest import member_token
from tests.factories import make_member
from tests.points.helpers import REDEEM, REFUND, adjust, gid, record, redeem, staff_api


async def _member_with(api, points: int, **extra) -> Member:
    member = await make_member(**extra)
    ops = await staff_api(api)
    await adjust(ops, member.id, points, f"fund-{member.id}")
    return member


async def test_member_redeems_own_points_as_cash_offset(api):
    # Given a member with 250 points signed in,
    member = await _member_with(api, 250)
    own = api.as_(await member_token(member.id))
    # when they redeem 150 as CASH_OFFSET,
    result = await redeem(own, 150, "cash-1", purpose="CASH_OFFSET")
    # then 150 points are debited and worth 1.50.
    assert result["errors"] == []
    assert result["entry"]["kind"] == "REDEEM"
    assert (result["entry"]["points"], result["entry"]["balanceAfter"]) == (-150, 100)
    assert result["cashValue"] == "1.50"
    assert result["member"] == {"pointsBalance": 100}


async def test_repeated_key_returns_first_result_and_moves_nothing(api):
    member = await _member_with(api, 100)
    own = api.as_(await member_token(member.id))
    first = await redeem(own, 30, "same", purpose="CASH_OFFSET")
    again = await redeem(own, 30, "same", purpose="CASH_OFFSET")
    assert again["entry"] == first["entry"]
    assert again["cashValue"] == "0.30"
    assert (await Member.get(id=member.id)).points_balance == 70


async def test_more_than_the_balance_is_insufficient_points(api):
    member = await _member_with(api, 10)
    ops = await staff_api(api, Role.SERVICE)
    result = await redeem(ops, 11, "too-much", member.id)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INSUFFICIENT_POINTS", ["input", "points"])
    ]
    assert await PointsEntry.filter(member_id=member.id).count() == 1


async def test_suspended_member_cannot_redeem(api):
    member = await _member_with(api, 100)
    await Member.filter(id=member.id).update(status=MemberStatus.SUSPENDED)
    ops = await staff_api(api)
    result = await redeem(ops, 10, "blocked", member.id)
    assert result["errors"][0]["code"] == "INVALID_STATE"
    assert (await Member.get(id=member.id)).points_balance == 100


async def test_non_positive_points_and_blank_key_are_invalid(api):
    member = await _member_with(api, 100)
    own = api.as_(await member_token(member.id))
    assert (await redeem(own, 0, "zero"))["errors"][0]["field"] == ["input", "points"]
    assert (await redeem(own, -5, "neg"))["errors"][0]["code"] == "INVALID"
    blank = await redeem(own, 5, "  ")
    assert blank["errors"][0]["field"] == ["input", "idempotencyKey"]


async def test_member_cannot_redeem_for_another_member(api):
    member = await _member_with(api, 100)
    other = await _member_with(api, 100)
    own = api.as_(await member_token(member.id))
    response = await own.post(
        REDEEM,
        {
            "input": {
                "memberId": gid(other.id),
                "points": 5,
                "purpose": "GIFT",
                "idempotencyKey": "theirs",
            }
        },
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=other.id)).points_balance == 100


async def test_staff_must_name_the_member(api):
    ops = await staff_api(api)
    result = await redeem(ops, 5, "whose")
    assert result["errors"][0]["field"] == ["input", "memberId"]


async def test_marketing_may_not_redeem(api):
    member = await _member_with(api, 100)
    marketing = await staff_api(api, Role.MARKETING)
    response = await marketing.post(
        REDEEM,
        {
            "input": {
                "points": 5,
                "purpose": "GIFT",
                "idempotencyKey": "m",
            }
        },
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=member.id)).points_balance == 100


async def test_every_points_mutation_is_audited_with_its_member(api):
    # Given a member, when staff adjust, record, redeem too much and refund,
    member = await make_member()
    ops = await staff_api(api)
    await adjust(ops, member.id, 5, "aud-1")
    await record(ops, member.id, "AUD-1", "10.00")
    await redeem(ops, 500, "aud-2", member.id)
    await ops(REFUND, {"input": {"orderRef": "AUD-1", "amount": "1.00"}})
    # then each operation has one entry naming the member, failures with their code.
    entries = await AuditEntry.filter(operation_type="mutation").order_by("id")
    assert [e.fields_ for e in entries] == [
        ["adjustPoints"],
        ["recordPurchase"],
        ["redeemPoints"],
        ["refundPurchase"],
    ]
    assert all(gid(member.id) in e.target_ids for e in entries)
    assert [(e.outcome, e.error_codes) for e in entries][2] == (
        "USER_ERROR",
        ["INSUFFICIENT_POINTS"],
    )
