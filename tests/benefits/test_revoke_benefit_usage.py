"""`revokeBenefitUsage` and the revocation of a suspended member's unused usages."""

from __future__ import annotations

from datetime import timedelta

from core.ids import to_global_id
from models.benefit import BenefitUsage
from models.enums import BenefitCategory, BenefitPeriod, MemberStatus, PointsEntryKind, Role
from models.member import Member
from models.points import PointsEntry
from services.benefits import revoke_member_usages, revoke_usage, use_benefit
from services.clock import utcnow
from tests.benefits.helpers import give_points, make_benefit
from tests.factories import make_member

REVOKE = """
mutation($input: RevokeBenefitUsageInput!) {
  revokeBenefitUsage(input: $input) {
    usage { id revoked revokedReason pointsSpent }
    errors { field code message }
  }
}
"""
SUSPEND = """
mutation($input: SuspendMemberInput!) {
  suspendMember(input: $input) { member { status } errors { code } }
}
"""


async def _paid_usage(points_cost: int = 200) -> BenefitUsage:
    await make_benefit("GIFT", category=BenefitCategory.POINTS, points_cost=points_cost)
    member = await make_member()
    await give_points(member.id, 1000)
    return await use_benefit(member.id, "GIFT", "k", utcnow())


async def test_revoking_refunds_the_points_with_an_adjust_entry(as_role):
    # Given a usage that cost 200 points
    usage = await _paid_usage()
    service = await as_role(Role.SERVICE)

    # When staff revoke it
    gid = to_global_id("BenefitUsage", usage.id)
    result = await service(REVOKE, {"input": {"id": gid, "reason": "wrong member"}})

    # Then it is marked revoked and an ADJUST entry gives the 200 points back
    payload = result["data"]["revokeBenefitUsage"]
    assert payload["errors"] == []
    assert payload["usage"] == {
        "id": gid,
        "revoked": True,
        "revokedReason": "wrong member",
        "pointsSpent": 200,
    }
    refund = await PointsEntry.get(
        member_id=usage.member_id, kind=PointsEntryKind.ADJUST, points=200
    )
    assert refund.balance_after == 1000
    assert (await Member.get(id=usage.member_id)).points_balance == 1000


async def test_a_revoked_usage_cannot_be_revoked_again(as_role):
    usage = await _paid_usage()
    admin = await as_role(Role.ADMIN)
    variables = {"input": {"id": to_global_id("BenefitUsage", usage.id), "reason": "x"}}
    await admin(REVOKE, variables)
    again = (await admin(REVOKE, variables))["data"]["revokeBenefitUsage"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [
        ("INVALID_STATE", ["input", "id"])
    ]
    assert (await Member.get(id=usage.member_id)).points_balance == 1000


async def test_revoking_needs_a_reason_and_an_existing_usage(as_role):
    usage = await _paid_usage()
    admin = await as_role(Role.ADMIN)
    blank = await admin(
        REVOKE, {"input": {"id": to_global_id("BenefitUsage", usage.id), "reason": " "}}
    )
    missing = await admin(
        REVOKE, {"input": {"id": to_global_id("BenefitUsage", 999), "reason": "x"}}
    )
    assert blank["data"]["revokeBenefitUsage"]["errors"][0]["code"] == "INVALID"
    assert missing["data"]["revokeBenefitUsage"]["errors"][0]["code"] == "NOT_FOUND"
    assert not (await BenefitUsage.get(id=usage.id)).revoked


async def test_a_revoked_use_no_longer_counts_toward_the_limit():
    await make_benefit("LOUNGE", usage_limit=1, usage_period=BenefitPeriod.MONTH)
    member = await make_member()
    first = await use_benefit(member.id, "LOUNGE", "a", utcnow())
    await revoke_usage(first.id, "mistake", utcnow())
    second = await use_benefit(member.id, "LOUNGE", "b", utcnow())
    assert second.id != first.id


async def test_suspension_revokes_and_refunds_the_current_periods_usages(as_role):
    # Given one usage this month and one from last year of a monthly benefit
    await make_benefit(
        "VOUCHER",
        category=BenefitCategory.POINTS,
        points_cost=100,
        usage_limit=5,
        usage_period=BenefitPeriod.MONTH,
    )
    member = await make_member()
    await give_points(member.id, 1000)
    old = await use_benefit(member.id, "VOUCHER", "old", utcnow() - timedelta(days=400))
    current = await use_benefit(member.id, "VOUCHER", "now", utcnow())
    operations = await as_role(Role.OPERATIONS)

    # When the member is suspended with revokeBenefits
    result = await operations(
        SUSPEND,
        {
            "input": {
                "id": to_global_id("Member", member.id),
                "reason": "abuse",
                "revokeBenefits": True,
            }
        },
    )

    # Then only this month's usage is revoked and refunded
    assert result["data"]["suspendMember"]["member"]["status"] == "SUSPENDED"
    assert (await BenefitUsage.get(id=current.id)).revoked
    assert not (await BenefitUsage.get(id=old.id)).revoked
    assert (await Member.get(id=member.id)).points_balance == 900


async def test_revoke_member_usages_with_nothing_to_revoke():
    member = await make_member(status=MemberStatus.SUSPENDED)
    assert await revoke_member_usages(member.id, "suspended", utcnow()) == 0


async def test_a_terminated_members_usage_is_not_refunded(as_role):
    usage = await _paid_usage()
    await Member.filter(id=usage.member_id).update(status=MemberStatus.TERMINATED, points_balance=0)
    admin = await as_role(Role.ADMIN)
    result = await admin(
        REVOKE, {"input": {"id": to_global_id("BenefitUsage", usage.id), "reason": "late"}}
    )
    assert result["data"]["revokeBenefitUsage"]["errors"][0]["code"] == "INVALID_STATE"
    assert not (await BenefitUsage.get(id=usage.id)).revoked
