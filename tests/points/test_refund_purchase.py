"""refundPurchase over GraphQL: proportional REVERSAL, never more than the purchase."""

from __future__ import annotations

from models.enums import PointsEntryKind
from models.points import PointsEntry
from tests.factories import make_member
from tests.points.helpers import REFUND, record, redeem, staff_api


async def _refund(api, order_ref: str, amount: str, reason: str | None = None):
    given = {"orderRef": order_ref, "amount": amount, "reason": reason}
    return (await api(REFUND, {"input": given}))["data"]["refundPurchase"]


async def _reversals(member_id: int) -> list[int]:
    entries = await PointsEntry.filter(member_id=member_id, kind=PointsEntryKind.REVERSAL)
    return [entry.points for entry in entries]


async def test_partial_refunds_take_back_floor_of_the_refunded_share(api):
    # Given a purchase of 100.00 that earned 100 points,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "R-1", "100.00")
    # when 33.33 and then 33.33 again are refunded,
    first = await _refund(ops, "R-1", "33.33", "damaged")
    second = await _refund(ops, "R-1", "33.33")
    # then floor(33.33) = 33 and floor(66.66) - 33 = 33 are taken back,
    assert await _reversals(member.id) == [-33, -33]
    assert first["purchase"]["refundedAmount"] == "33.33"
    assert second["purchase"]["refundedAmount"] == "66.66"
    assert second["member"] == {"pointsBalance": 34, "lifetimeSpend": "33.34"}
    # and the rest of the purchase refunds the last 34.
    await _refund(ops, "R-1", "33.34")
    assert await _reversals(member.id) == [-33, -33, -34]


async def test_refund_cannot_exceed_the_purchase(api):
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "R-2", "50.00")
    await _refund(ops, "R-2", "40.00")
    result = await _refund(ops, "R-2", "10.01")
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", ["input", "amount"])]
    assert await _reversals(member.id) == [-40]


async def test_refund_after_spending_records_the_shortfall_and_stays_at_zero(api):
    # Given 100 points earned and 90 already redeemed,
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "R-3", "100.00")
    await redeem(ops, 90, "spent", member.id)
    # when the whole purchase is refunded,
    result = await _refund(ops, "R-3", "100.00")
    # then only the 10 left are taken and the shortfall is written on the entry.
    assert result["member"]["pointsBalance"] == 0
    entry = await PointsEntry.get(member_id=member.id, kind=PointsEntryKind.REVERSAL)
    assert entry.points == -10
    assert "shortfall 90" in entry.reason


async def test_unknown_order_ref_is_not_found(api):
    ops = await staff_api(api)
    result = await _refund(ops, "NOPE", "1.00")
    assert result["errors"][0]["code"] == "NOT_FOUND"
