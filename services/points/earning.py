"""Purchases: earning points, refunds and their reversals (DESIGN §2 "Points ledger").

The rules themselves (points, expiry, what a refund takes back) are in rules.py;
this module writes their outcome. Decisions the design leaves open:
- TERMINATING members still earn and redeem until their termination takes effect;
  SUSPENDED and TERMINATED members do neither (INVALID_STATE).
- See rules.py for birthdays on 29 February, net lifetimeSpend and refund shortfalls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum

from models.campaign import Campaign
from models.enums import PointsEntryKind
from models.member import Member
from models.points import PointsEntry, Purchase
from models.tier import Tier, TierChange
from services import tiers
from services.campaigns.awards import (
    award,
    campaign_names,
    extra_points,
    qualifying,
    running,
    take_back,
)
from services.db import retry_busy, transaction
from services.errors import Duplicate, InvalidState, NotFound
from services.points.ledger import ensure_points_active, locked_member, post_for_locked
from services.points.rules import (
    Earning,
    PurchaseInput,
    clean_amount,
    clean_purchase,
    clean_ref,
    earning,
    purchase_row,
    reversal,
)
from services.tags import refresh_member_tags
from services.validation import clean_text
from shortcuts.sql import insert


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    member: Member
    tier_change: TierChange | None = None
    ladder: Sequence[Tier] = ()  # the tiers as the write read them, when it read them


async def record_purchase(
    member_id: int,
    order_ref: str,
    amount: Decimal,
    now: datetime,
    *,
    occurred_at: datetime | None = None,
    channel: str | None = None,
    created_by_id: int | None = None,
) -> PurchaseResult:
    """Record a purchase, earn its points, promote at once if the window now qualifies.

    The same orderRef again returns the first result and posts nothing. Raises
    Invalid (amount, future occurredAt, orderRef, channel), InvalidState (suspended
    or terminated member), NotFound, Duplicate (orderRef of another member).
    """
    purchase = clean_purchase(order_ref, amount, now, occurred_at, channel)
    campaigns = await running(purchase.occurred_at)

    async def write() -> PurchaseResult:
        async with transaction() as conn:
            return await _earn(conn, member_id, purchase, campaigns, now, created_by_id)

    try:
        result = await retry_busy(write)
    except (IntegrityError, NotFound, InvalidState):
        # A recorded orderRef answers first, whatever else is wrong now: looked up only
        # when the write fails (its UNIQUE orderRef refuses a replay), not before each one.
        replay = await _replay(purchase.order_ref, member_id)
        if replay is None:
            raise
        return replay
    await refresh_member_tags(member_id, now, stamped=True)
    return result


async def _replay(order_ref: str, member_id: int) -> PurchaseResult | None:
    purchase = await Purchase.get_or_none(order_ref=order_ref)
    if purchase is None:
        return None
    if purchase.member_id != member_id:
        raise Duplicate(
            "That orderRef belongs to another member's purchase.", ("input", "orderRef")
        )
    change = await TierChange.get_or_none(purchase_id=purchase.id)
    return PurchaseResult(purchase, await Member.get(id=member_id), change)


async def _earn(
    conn: Any,
    member_id: int,
    bought: PurchaseInput,
    campaigns: list[Campaign],
    now: datetime,
    created_by_id: int | None,
) -> PurchaseResult:
    member = await locked_member(conn, member_id)
    ensure_points_active(member)
    ladder = await tiers.ladder(conn)
    earned = earning(member, tiers.tier_of(ladder, member.tier_id), bought)
    purchase = purchase_row(member_id, bought, earned, now, created_by_id)
    await insert(conn, purchase)
    # The tag refresh that follows the commit computes as of `now`: recorded here, with the
    # facts it reads, rather than by a write transaction of its own.
    values = {**earned.member_values, "tags_refreshed_at": now}
    if earned.points > 0:
        await post_for_locked(
            conn,
            member,
            PointsEntryKind.EARN,
            earned.points,
            now,
            also=values,
            reason=earned.reason,
            purchase_id=purchase.id,
            created_by_id=created_by_id,
            expires_at=earned.expires_at,
        )
    else:
        await _write_member(conn, member, values)
    if campaigns:
        extra = await qualifying(conn, campaigns, member.id, bought.amount, bought.channel)
        await _campaign_points(conn, member, extra, earned, purchase.id, now, created_by_id)
    change = None
    if tiers.may_rise(ladder, member):
        change = await tiers.promote_after_purchase(conn, member, now, purchase.id, ladder)
    return PurchaseResult(purchase, member, change, ladder)


async def _campaign_points(
    conn: Any,
    member: Member,
    found: list[Campaign],
    earned: Earning,
    purchase_id: int,
    now: datetime,
    created_by_id: int | None,
) -> None:
    """Each qualifying campaign's own EARN entry, named after it, expiring with the
    purchase's points (DESIGN §9); judged before promotion, at the tier held before."""
    for campaign in found:
        points = await award(conn, member.id, campaign, extra_points(campaign, earned.points))
        if points > 0:
            await post_for_locked(
                conn,
                member,
                PointsEntryKind.EARN,
                points,
                now,
                reason=campaign.name,
                purchase_id=purchase_id,
                campaign_id=campaign.id,
                created_by_id=created_by_id,
                expires_at=earned.expires_at,
            )


async def _write_member(conn: Any, member: Member, values: dict[str, Any]) -> None:
    await Member.filter(id=member.id).using_db(conn).update(**values)
    for column, value in values.items():
        setattr(member, column, value)


async def refund_purchase(
    order_ref: str,
    amount: Decimal,
    now: datetime,
    *,
    reason: str | None = None,
    created_by_id: int | None = None,
) -> PurchaseResult:
    """Refund part or all of a purchase and take back its points in proportion (REVERSAL).

    The reversal takes floor(pointsEarned x refundedSoFar / amount) less what earlier
    refunds of the purchase took, but never more than the balance: a shortfall is
    written on the entry's reason. Raises NotFound (orderRef), Invalid (amount, or
    refunds beyond the purchase's amount).
    """
    ref = clean_ref(order_ref)
    amount = clean_amount(amount)
    note = clean_text(reason, ("input", "reason"))
    found = await Purchase.get_or_none(order_ref=ref)
    if found is None:
        raise NotFound(f"No purchase with orderRef {ref!r}.", ("input", "orderRef"))

    async def write() -> PurchaseResult:
        async with transaction() as conn:
            return await _refund(conn, found, amount, note, now, created_by_id)

    return await retry_busy(write)


async def _refund(
    conn: Any,
    found: Purchase,
    amount: Decimal,
    note: str | None,
    now: datetime,
    created_by_id: int | None,
) -> PurchaseResult:
    member = await locked_member(conn, found.member_id)
    purchase = await Purchase.get(id=found.id, using_db=conn)
    taken = await _reversed_so_far(conn, purchase.id)
    back = reversal(purchase, amount, taken.get(None, 0), member.points_balance, note)
    spend = {"lifetime_spend": member.lifetime_spend - amount}
    if back.due > 0:
        await post_for_locked(
            conn,
            member,
            PointsEntryKind.REVERSAL,
            -back.take,
            now,
            also=spend,
            reason=back.reason,
            purchase_id=purchase.id,
            created_by_id=created_by_id,
        )
    else:
        await _write_member(conn, member, spend)
    await _reverse_campaigns(conn, member, purchase, amount, taken, note, now, created_by_id)
    await Purchase.filter(id=purchase.id).using_db(conn).update(refunded_amount=back.refunded)
    purchase.refunded_amount = back.refunded
    return PurchaseResult(purchase, member)


async def _reverse_campaigns(
    conn: Any,
    member: Member,
    purchase: Purchase,
    amount: Decimal,
    taken: dict[int | None, int],
    note: str | None,
    now: datetime,
    created_by_id: int | None,
) -> None:
    """Each campaign entry of the purchase reversed in proportion, as the purchase's own
    points, its points returned to the campaign's budget and the member's cap."""
    entries = await (
        PointsEntry.filter(
            purchase_id=purchase.id, kind=PointsEntryKind.EARN, campaign_id__isnull=False
        )
        .using_db(conn)
        .order_by("id")
    )
    names = await campaign_names(conn, [entry.campaign_id for entry in entries])
    for entry in entries:
        campaign_id = entry.campaign_id
        back = reversal(
            purchase,
            amount,
            taken.get(campaign_id, 0),
            member.points_balance,
            note,
            earned=entry.points,
            of=names[campaign_id],
        )
        if back.due <= 0:
            continue
        await post_for_locked(
            conn,
            member,
            PointsEntryKind.REVERSAL,
            -back.take,
            now,
            reason=back.reason,
            purchase_id=purchase.id,
            campaign_id=campaign_id,
            created_by_id=created_by_id,
        )
        await take_back(conn, member.id, campaign_id, back.take)  # type: ignore[arg-type]


async def _reversed_so_far(conn: Any, purchase_id: int) -> dict[int | None, int]:
    """What earlier refunds took of the purchase's own points (key None) and of each
    campaign's entry on it (its campaign id)."""
    rows = (
        await PointsEntry.filter(purchase_id=purchase_id, kind=PointsEntryKind.REVERSAL)
        .using_db(conn)
        .annotate(total=Sum("points"))
        .group_by("campaign_id")
        .values_list("campaign_id", "total")
    )
    return {campaign_id: -int(total or 0) for campaign_id, total in rows}
