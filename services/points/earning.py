"""Purchases: earning points, refunds and their reversals (DESIGN §2 "Points ledger").

Decisions the design leaves open:
- A member born on 29 February has their birthday on 28 February in common years.
- TERMINATING members still earn and redeem until their termination takes effect;
  SUSPENDED and TERMINATED members do neither (INVALID_STATE).
- lifetimeSpend is net of refunds.
- A refund takes back "what earlier refunds took" as actually posted: when an earlier
  refund fell short for want of balance, a later one takes the shortfall if it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from app.settings import get_settings
from models.enums import PointsEntryKind
from models.member import Member
from models.points import PointsEntry, Purchase
from models.tier import Tier, TierChange
from services import tiers
from services.clock import as_utc, local_date
from services.db import retry_busy
from services.errors import Duplicate, Invalid, NotFound
from services.points.ledger import ensure_points_active, locked_member, post_entry
from services.points.lots import expiry_of
from services.tags import refresh_member_tags
from services.validation import clean_text

BASE_RATE = Decimal(1)  # points per currency unit (DESIGN §2)
BIRTHDAY_MULTIPLIER = Decimal(2)
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PurchaseResult:
    purchase: Purchase
    member: Member
    tier_change: TierChange | None = None


def clean_amount(value: Decimal, field: tuple[str, ...] = ("input", "amount")) -> Decimal:
    """A positive amount of at most two decimal places; Invalid at `field` otherwise."""
    try:
        ok = value.is_finite() and Decimal(0) < value <= MAX_AMOUNT
        exact = ok and value == value.quantize(CENT)
    except InvalidOperation:
        ok = exact = False
    if not ok:
        raise Invalid(f"An amount must be greater than 0 and at most {MAX_AMOUNT}.", field)
    if not exact:
        raise Invalid("An amount has at most two decimal places.", field)
    return value.quantize(CENT)


def is_birthday(birth_date: date | None, day: date) -> bool:
    """Whether `day` is the member's birthday; 29 February falls on 28 February in common years."""
    if birth_date is None:
        return False
    month, dom = birth_date.month, birth_date.day
    if (month, dom) == (2, 29) and not _leap(day.year):
        dom = 28
    return (day.month, day.day) == (month, dom)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def points_for(amount: Decimal, multiplier: Decimal, birthday: bool) -> int:
    """floor(amount x base rate x tier multiplier x birthday multiplier), in Decimal."""
    exact = amount * BASE_RATE * multiplier * (BIRTHDAY_MULTIPLIER if birthday else Decimal(1))
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def _clean_ref(order_ref: str) -> str:
    ref = order_ref.strip()
    if not ref or len(ref) > 128:
        raise Invalid("An orderRef is 1 to 128 characters.", ("input", "orderRef"))
    return ref


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
    ref = _clean_ref(order_ref)
    amount = clean_amount(amount)
    occurred = as_utc(occurred_at) if occurred_at is not None else now
    if occurred > now:
        raise Invalid("occurredAt cannot lie in the future.", ("input", "occurredAt"))
    channel = clean_text(channel, ("input", "channel"))
    if channel is not None and len(channel) > 64:
        raise Invalid("A channel name has at most 64 characters.", ("input", "channel"))
    replay = await _replay(ref, member_id)
    if replay is not None:
        return replay

    async def write() -> PurchaseResult:
        async with in_transaction() as conn:
            return await _earn(conn, member_id, ref, amount, occurred, channel, now, created_by_id)

    try:
        result = await retry_busy(write)
    except IntegrityError:
        # Another writer recorded the same orderRef between our check and our insert.
        replay = await _replay(ref, member_id)
        if replay is None:
            raise
        return replay
    await refresh_member_tags(member_id, now)
    return result


async def _replay(order_ref: str, member_id: int) -> PurchaseResult | None:
    purchase = await Purchase.get_or_none(order_ref=order_ref)
    if purchase is None:
        return None
    if purchase.member_id != member_id:  # type: ignore[attr-defined]
        raise Duplicate(
            "That orderRef belongs to another member's purchase.", ("input", "orderRef")
        )
    change = await TierChange.get_or_none(purchase_id=purchase.id)
    return PurchaseResult(purchase, await Member.get(id=member_id), change)


async def _earn(
    conn: Any,
    member_id: int,
    order_ref: str,
    amount: Decimal,
    occurred: datetime,
    channel: str | None,
    now: datetime,
    created_by_id: int | None,
) -> PurchaseResult:
    member = await locked_member(conn, member_id)
    ensure_points_active(member)
    tier = await Tier.get(id=member.tier_id).using_db(conn)  # type: ignore[attr-defined]
    birthday = is_birthday(member.birth_date, local_date(occurred))
    points = points_for(amount, tier.points_multiplier, birthday)
    purchase = await Purchase.create(
        order_ref=order_ref,
        member_id=member_id,
        amount=amount,
        channel=channel,
        occurred_at=occurred,
        points_earned=points,
        created_at=now,
        created_by_id=created_by_id,
        using_db=conn,
    )
    if points > 0:
        await post_entry(
            conn,
            member_id,
            PointsEntryKind.EARN,
            points,
            now,
            reason=f"Purchase {order_ref}" + (" (birthday double points)" if birthday else ""),
            purchase_id=purchase.id,
            created_by_id=created_by_id,
            expires_at=expiry_of(occurred, get_settings().points_expiry_months),
        )
    last = member.last_purchase_at
    await (
        Member.filter(id=member_id)
        .using_db(conn)
        .update(
            lifetime_spend=member.lifetime_spend + amount,
            last_purchase_at=occurred if last is None or as_utc(last) < occurred else last,
        )
    )
    change = await tiers.promote_after_purchase(conn, member, now, purchase.id)
    return PurchaseResult(purchase, await Member.get(id=member_id).using_db(conn), change)


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
    ref = _clean_ref(order_ref)
    amount = clean_amount(amount)
    note = clean_text(reason, ("input", "reason"))
    found = await Purchase.get_or_none(order_ref=ref)
    if found is None:
        raise NotFound(f"No purchase with orderRef {ref!r}.", ("input", "orderRef"))

    async def write() -> PurchaseResult:
        async with in_transaction() as conn:
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
    member_id: int = found.member_id  # type: ignore[attr-defined]
    member = await locked_member(conn, member_id)
    purchase = await Purchase.get(id=found.id).using_db(conn)
    refunded = purchase.refunded_amount + amount
    if refunded > purchase.amount:
        left = purchase.amount - purchase.refunded_amount
        raise Invalid(f"Only {left} of this purchase is left to refund.", ("input", "amount"))
    target = int(
        (purchase.points_earned * refunded / purchase.amount).to_integral_value(ROUND_FLOOR)
    )
    taken = await _reversed_so_far(conn, purchase.id)
    due = target - taken
    take = min(due, member.points_balance)
    if due > 0:
        text = f"Refund {amount} of {purchase.order_ref}" + (f": {note}" if note else "")
        if take < due:
            text += f" (shortfall {due - take} points: balance too low)"
        await post_entry(
            conn,
            member_id,
            PointsEntryKind.REVERSAL,
            -take,
            now,
            reason=text,
            purchase_id=purchase.id,
            created_by_id=created_by_id,
        )
    await Purchase.filter(id=purchase.id).using_db(conn).update(refunded_amount=refunded)
    await (
        Member.filter(id=member_id)
        .using_db(conn)
        .update(lifetime_spend=member.lifetime_spend - amount)
    )
    purchase.refunded_amount = refunded
    return PurchaseResult(purchase, await Member.get(id=member_id).using_db(conn))


async def _reversed_so_far(conn: Any, purchase_id: int) -> int:
    rows = (
        await PointsEntry.filter(purchase_id=purchase_id, kind=PointsEntryKind.REVERSAL)
        .using_db(conn)
        .annotate(total=Sum("points"))
        .values_list("total", flat=True)
    )
    return -int(rows[0] or 0) if rows else 0
