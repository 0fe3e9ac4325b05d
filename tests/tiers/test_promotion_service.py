"""`promote_after_purchase`: straight to the highest tier met, never down."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from models.enums import TierChangeReason
from models.member import Member
from services.clock import utcnow
from services.tiers import promote_after_purchase
from tests.factories import make_member, make_purchase, make_tiers


async def _promote(member: Member, purchase_id: int) -> object:
    async with in_transaction() as conn:
        fresh = await Member.get(id=member.id, using_db=conn)
        return await promote_after_purchase(conn, fresh, utcnow(), purchase_id)


async def test_a_big_enough_window_skips_tiers_in_one_promotion():
    regular, _, gold, *_ = await make_tiers()
    member = await make_member(tier=regular)
    now = utcnow()
    for days in range(1, 5):
        await make_purchase(member, "1000.00", now - timedelta(days=days))
    last = await make_purchase(member, "4500.00", now - timedelta(minutes=1))
    change = await _promote(member, last.id)
    assert change is not None
    assert (change.reason, change.from_tier_id, change.to_tier_id) == (
        TierChangeReason.PROMOTION,
        regular.id,
        gold.id,
    )
    assert change.purchase_id == last.id
    assert (await Member.get(id=member.id)).tier_id == gold.id


async def test_a_purchase_never_demotes():
    _, _, gold, *_ = await make_tiers()
    member = await make_member(tier=gold)
    small = await make_purchase(member, "10.00", utcnow() - timedelta(minutes=1))
    assert await _promote(member, small.id) is None
    assert (await Member.get(id=member.id)).tier_id == gold.id
