"""What a purchase earns and what a refund takes back (DESIGN §2 "Points ledger"), as pure
functions: `record_purchase` / `refund_purchase` and the bulk history (history.py) both
work a posting out with these before writing it.

Decisions the design leaves open:
- A member born on 29 February has their birthday on 28 February in common years.
- lifetimeSpend is net of refunds.
- A refund takes back "what earlier refunds took" as actually posted: when an earlier
  refund fell short for want of balance, a later one takes the shortfall if it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from core.settings import get_settings
from models.member import Member
from models.points import Purchase
from models.tier import Tier
from services.clock import as_utc, local_date
from services.errors import Invalid
from services.points.lots import expiry_of
from services.validation import check_line, clean_text

BASE_RATE = Decimal(1)  # points per currency unit (DESIGN §2)
BIRTHDAY_MULTIPLIER = Decimal(2)
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PurchaseInput:
    """A purchase as recorded: validated and normalised by `clean_purchase`."""

    order_ref: str
    amount: Decimal
    occurred_at: datetime
    channel: str | None


@dataclass(frozen=True)
class Earning:
    """What one purchase earns and writes on the member row, before it is written."""

    points: int
    reason: str
    expires_at: datetime
    member_values: dict[str, Any]


@dataclass(frozen=True)
class Reversal:
    """What one refund takes back: `due` points, of which the balance allows `take`."""

    refunded: Decimal  # refunded so far, this refund included
    due: int
    take: int
    reason: str


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


def clean_ref(order_ref: str) -> str:
    ref = check_line(order_ref, ("input", "orderRef")).strip()
    if not ref or len(ref) > 128:
        raise Invalid("An orderRef is 1 to 128 characters.", ("input", "orderRef"))
    return ref


def clean_purchase(
    order_ref: str,
    amount: Decimal,
    now: datetime,
    occurred_at: datetime | None,
    channel: str | None,
) -> PurchaseInput:
    """Raises Invalid (orderRef, amount, a future occurredAt, channel)."""
    ref = clean_ref(order_ref)
    amount = clean_amount(amount)
    occurred = as_utc(occurred_at) if occurred_at is not None else now
    if occurred > now:
        raise Invalid("occurredAt cannot lie in the future.", ("input", "occurredAt"))
    channel = clean_text(channel, ("input", "channel"), line=True)
    if channel is not None and len(channel) > 64:
        raise Invalid("A channel name has at most 64 characters.", ("input", "channel"))
    return PurchaseInput(ref, amount, occurred, channel)


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


def earning(member: Member, tier: Tier, purchase: PurchaseInput) -> Earning:
    """The points of a purchase at the tier held before it, and the member's new spend
    and last purchase time."""
    occurred = purchase.occurred_at
    birthday = is_birthday(member.birth_date, local_date(occurred))
    last = member.last_purchase_at
    return Earning(
        points=points_for(purchase.amount, tier.points_multiplier, birthday),
        reason=f"Purchase {purchase.order_ref}" + (" (birthday double points)" if birthday else ""),
        expires_at=expiry_of(occurred, get_settings().points_expiry_months),
        member_values={
            "lifetime_spend": member.lifetime_spend + purchase.amount,
            "last_purchase_at": occurred if last is None or as_utc(last) < occurred else last,
        },
    )


def purchase_row(
    member_id: int,
    bought: PurchaseInput,
    earned: Earning,
    now: datetime,
    created_by_id: int | None,
) -> Purchase:
    """The Purchase row of a recorded purchase, unsaved."""
    return Purchase(
        order_ref=bought.order_ref,
        member_id=member_id,
        amount=bought.amount,
        channel=bought.channel,
        occurred_at=bought.occurred_at,
        points_earned=earned.points,
        created_at=now,
        created_by_id=created_by_id,
    )


def reversal(
    purchase: Purchase,
    amount: Decimal,
    taken: int,
    balance: int,
    note: str | None,
    *,
    earned: int | None = None,
    of: str | None = None,
) -> Reversal:
    """What refunding `amount` more of `purchase` takes back of its points (or of
    `earned`, a campaign's entry on it, named `of`), given the points earlier refunds
    took of them and the member's balance. Raises Invalid beyond the purchase's amount."""
    refunded = purchase.refunded_amount + amount
    if refunded > purchase.amount:
        left = purchase.amount - purchase.refunded_amount
        raise Invalid(f"Only {left} of this purchase is left to refund.", ("input", "amount"))
    points = purchase.points_earned if earned is None else earned
    target = int((points * refunded / purchase.amount).to_integral_value(ROUND_FLOOR))
    due = target - taken
    take = min(due, balance)
    text = f"Refund {amount} of {purchase.order_ref}" + (f" ({of})" if of else "")
    text += f": {note}" if note else ""
    if take < due:
        text += f" (shortfall {due - take} points: balance too low)"
    return Reversal(refunded, due, take, text)
