"""recordPurchase over GraphQL: earning, idempotency, promotion, refusals."""

from __future__ import annotations

from datetime import date, timedelta

from models.communication import Communication
from models.enums import MemberStatus, Role
from models.points import PointsEntry, Purchase
from services.clock import local_date, utcnow
from tests.factories import make_member, make_tiers
from tests.points.helpers import RECORD, gid, record, staff_api


async def test_earns_floor_of_amount_times_tier_multiplier(api):
    # Given a GOLD member (x1.50),
    gold = (await make_tiers())[2]
    member = await make_member(tier=gold, birth_date=date(1990, 1, 1))
    ops = await staff_api(api)
    # when they buy for 99.99, then floor(149.985) = 149 points arrive with an expiry.
    result = await record(ops, member.id, "ORD-1", "99.99", channel="store-12")
    assert result["errors"] == []
    assert result["purchase"]["pointsEarned"] == 149
    assert result["purchase"]["channel"] == "store-12"
    assert result["member"]["pointsBalance"] == 149
    assert result["member"]["lifetimeSpend"] == "99.99"
    entry = await PointsEntry.get(member_id=member.id)
    assert (entry.kind, entry.points, entry.balance_after) == ("EARN", 149, 149)
    assert entry.expires_at is not None


async def test_birthday_purchase_earns_double(api):
    # Given a member born on today's business date,
    today = local_date(utcnow())
    member = await make_member(birth_date=date(1992, today.month, today.day))
    ops = await staff_api(api)
    # when they buy on their birthday, then base points are doubled.
    result = await record(ops, member.id, "BDAY", "100.00")
    assert result["purchase"]["pointsEarned"] == 200
    assert "birthday" in (await PointsEntry.get(member_id=member.id)).reason


async def test_same_order_ref_returns_first_result_and_posts_nothing(api):
    member = await make_member()
    ops = await staff_api(api)
    first = await record(ops, member.id, "ORD-2", "50.00")
    again = await record(ops, member.id, "ORD-2", "80.00")
    assert again["errors"] == []
    assert again["purchase"] == first["purchase"]
    assert await PointsEntry.filter(member_id=member.id).count() == 1
    assert again["member"]["pointsBalance"] == 50


async def test_order_ref_of_another_member_is_duplicate(api):
    one, two = await make_member(), await make_member()
    ops = await staff_api(api)
    await record(ops, one.id, "ORD-3", "10.00")
    result = await record(ops, two.id, "ORD-3", "10.00")
    assert result["errors"][0]["code"] == "DUPLICATE"
    assert result["errors"][0]["field"] == ["input", "orderRef"]


async def test_promotion_happens_at_once_with_a_tier_change(api):
    # Given a REGULAR member with one 1500 purchase this year,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "P-1", "1500.00")
    # when a second purchase takes the window to 2000 and 2 orders (SILVER),
    result = await record(ops, member.id, "P-2", "500.00")
    # then the member is SILVER now, and the purchase earned at the old multiplier.
    assert result["tierChange"] == {
        "from": {"code": "REGULAR"},
        "to": {"code": "SILVER"},
        "reason": "PROMOTION",
    }
    assert result["member"]["tier"]["code"] == "SILVER"
    assert result["purchase"]["pointsEarned"] == 500
    # and the member is told.
    notices = await Communication.filter(member_id=member.id, category="NOTIFICATION")
    assert len(notices) == 1


async def test_bad_amounts_and_future_time_are_invalid_and_write_nothing(api):
    member = await make_member()
    ops = await staff_api(api)
    future = (utcnow() + timedelta(hours=1)).isoformat()
    cases = [
        ({"amount": "-5.00"}, ["input", "amount"]),
        ({"amount": "0"}, ["input", "amount"]),
        ({"amount": "1.001"}, ["input", "amount"]),
        ({"amount": "10.00", "occurredAt": future}, ["input", "occurredAt"]),
        ({"amount": "10.00", "orderRef": "  "}, ["input", "orderRef"]),
    ]
    for extra, field in cases:
        given = {"memberId": gid(member.id), "orderRef": "BAD", **extra}
        result = (await ops(RECORD, {"input": given}))["data"]["recordPurchase"]
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", field)], extra
    assert await Purchase.filter(member_id=member.id).count() == 0


async def test_suspended_and_terminated_members_do_not_earn(api):
    ops = await staff_api(api)
    for status in (MemberStatus.SUSPENDED, MemberStatus.TERMINATED):
        member = await make_member(status=status)
        result = await record(ops, member.id, f"S-{status.value}", "10.00")
        assert result["errors"][0]["code"] == "INVALID_STATE"
        assert await Purchase.filter(member_id=member.id).count() == 0


async def test_past_purchase_before_joining_earns_and_unknown_member_is_not_found(api):
    member = await make_member()
    ops = await staff_api(api)
    long_ago = (utcnow() - timedelta(days=400)).isoformat()
    assert (await record(ops, member.id, "OLD", "10.00", occurredAt=long_ago))["errors"] == []
    missing = await record(ops, 999999, "GHOST", "10.00")
    assert missing["errors"][0]["code"] == "NOT_FOUND"


async def test_only_purchase_roles_may_record(api):
    member = await make_member()
    marketing = await staff_api(api, Role.MARKETING)
    result = await marketing.post(
        "mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { errors { code } } }",
        {"i": {"memberId": gid(member.id), "orderRef": "M", "amount": "1.00"}},
    )
    assert result.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await Purchase.filter(member_id=member.id).count() == 0
