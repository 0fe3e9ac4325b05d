"""FIFO lots and runPointsExpiry over GraphQL (DESIGN §2 "Expiry")."""

from __future__ import annotations

from models.enums import PointsEntryKind
from models.points import PointsEntry
from tests.factories import make_member
from tests.points.helpers import REFUND, gid, record, redeem, staff_api

EXPIRY = """
mutation($asOf: DateTime) { runPointsExpiry(asOf: $asOf) { job asOf examined changed } }"""
EXPIRING = """
query($id: ID!, $date: Date) { member(id: $id) { pointsBalance pointsExpiringBy(date: $date) } }"""


async def _expire(api, as_of: str):
    return (await api(EXPIRY, {"asOf": as_of}))["data"]["runPointsExpiry"]


async def _expiring(api, member_id: int, day: str | None = None):
    return (await api(EXPIRING, {"id": gid(member_id), "date": day}))["data"]["member"]


async def test_points_expire_at_the_end_of_the_month_24_months_later(api):
    # Given 100 points from a purchase on 2023-01-15 (business time),
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "E-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    # when expiry runs on the last evening of January 2025, nothing lapses yet;
    assert (await _expire(ops, "2025-01-31T23:00:00+08:00"))["changed"] == 0
    # when it runs as February begins, one EXPIRE takes all 100.
    report = await _expire(ops, "2025-02-01T00:00:00+08:00")
    assert (report["job"], report["examined"], report["changed"]) == ("points-expiry", 1, 1)
    entries = await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.EXPIRE)
    assert [(e.points, e.balance_after) for e in entries] == [(-100, 0)]


async def test_debits_consume_oldest_lots_first_and_only_the_remainder_expires(api):
    # Given lots of 100 (Jan 2023), 50 (Jun 2023) and 30 (now), and 120 redeemed,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "F-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "F-2", "50.00", occurredAt="2023-06-10T12:00:00+08:00")
    await record(ops, member.id, "F-3", "30.00")
    await redeem(ops, 120, "spend", member.id)
    # then the redemption took all of January's lot and 20 of June's,
    assert await _expiring(ops, member.id, "2025-06-30") == {
        "pointsBalance": 60,
        "pointsExpiringBy": 30,
    }
    # when expiry runs in July 2025, exactly June's remainder of 30 expires, once.
    assert (await _expire(ops, "2025-07-01T00:00:00+08:00"))["changed"] == 1
    assert (await _expire(ops, "2025-07-01T00:00:00+08:00"))["changed"] == 0
    entries = await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.EXPIRE)
    assert [e.points for e in entries] == [-30]
    assert await _expiring(ops, member.id, "2025-06-30") == {
        "pointsBalance": 30,
        "pointsExpiringBy": 0,
    }


async def test_expiring_by_defaults_to_the_end_of_next_month(api):
    # Given a lapsed but not yet expired lot and a fresh one,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "G-1", "40.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "G-2", "25.00")
    # then only the lapsed lot counts as expiring soon.
    assert await _expiring(ops, member.id) == {"pointsBalance": 65, "pointsExpiringBy": 40}


async def test_refund_takes_back_its_own_purchase_lot_first(api):
    # Given an old lot and a new one, when the new purchase is refunded in full,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "H-1", "40.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "H-2", "25.00")
    refund = await ops(REFUND, {"input": {"orderRef": "H-2", "amount": "25.00"}})
    assert refund["data"]["refundPurchase"]["errors"] == []
    # then the old lot is untouched and still expires in full.
    assert (await _expire(ops, "2025-02-01T00:00:00+08:00"))["changed"] == 1
    assert (await _expiring(ops, member.id, "2030-01-01"))["pointsBalance"] == 0
