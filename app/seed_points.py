"""Demo purchases, refunds and redemptions over two years, posted through services/points.

Each purchase is recorded as if at the moment it happened (`now` = its occurredAt), so
promotions, expiry dates and the ledger's timeline look as they would in production.
A few hundred members' histories are worked out and written per transaction.

A history ends with the tier evaluation the worker runs each quarter, as of the end of
the history (the seed's clock): a member whose last twelve months no longer meet the
tier an older spree earned is demoted, so `memberhub run-job tier-evaluation` run after
seeding finds nothing to do. No purchase lies in the first day of that window, so the
same holds for a day after seeding (a purchase leaving the window then would otherwise
demote someone).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from app.progress import Progress
from models.enums import RedemptionPurpose
from services.clock import as_utc, utcnow
from services.errors import InvalidState
from services.points import Book, post_histories
from services.tiers import window_start

HISTORY = timedelta(days=730)
REFUND_SHARE = 0.05
REDEEM_SHARE = 0.15
# Members per bulk write: a few thousand purchases and entries per transaction.
MEMBERS_PER_WRITE = 200
# How long after seeding the tiers stay what the tier evaluation finds.
SETTLED_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Shopper:
    """How often and how much one kind of member buys over the two years."""

    weight: float
    orders: tuple[int, int]
    amount: tuple[int, int]  # whole currency units


SHOPPERS = (
    Shopper(0.40, (3, 8), (50, 300)),
    Shopper(0.30, (10, 20), (100, 600)),
    Shopper(0.20, (25, 40), (200, 1000)),
    Shopper(0.10, (45, 60), (800, 2500)),
)


async def seed(member_ids: list[int], *, seed_value: int = 2024, progress: bool = True) -> None:
    """Give every member up to two years of purchases (since joining), with a few refunds
    and redemptions, posted in bulk through services/points/history.py by the rules of
    record_purchase, refund_purchase and redeem_points. A suspended or terminated
    member's history stops where the services refuse it."""
    rng = random.Random(seed_value)
    now = utcnow()
    bar = Progress(len(member_ids), "purchases") if progress and member_ids else None
    for start in range(0, len(member_ids), MEMBERS_PER_WRITE):
        chunk = member_ids[start : start + MEMBERS_PER_WRITE]
        await post_histories(chunk, lambda book: _history(rng, book, now))
        if bar is not None:
            bar.advance(len(chunk))


def _history(rng: random.Random, book: Book, now: datetime) -> None:
    _shop(rng, book, now)
    book.evaluate(now)


def _shop(rng: random.Random, book: Book, now: datetime) -> None:
    start = max(now - HISTORY, as_utc(book.member.joined_at))
    shopper = rng.choices(SHOPPERS, weights=[s.weight for s in SHOPPERS])[0]
    span = (now - start).total_seconds()
    count = max(1, round(rng.randint(*shopper.orders) * span / HISTORY.total_seconds()))
    opens = window_start(now)
    times = sorted(
        _clear_of(opens, start + timedelta(seconds=rng.uniform(0, span))) for _ in range(count)
    )
    for n, (occurred, following) in enumerate(zip(times, [*times[1:], now], strict=True)):
        amount = Decimal(rng.randint(shopper.amount[0] * 100, shopper.amount[1] * 100)) / 100
        ref = f"DEMO-{book.member.id}-{n + 1:03d}"
        try:
            book.purchase(ref, amount, occurred, occurred_at=occurred, channel="demo")
        except InvalidState:
            return
        # Refunds and redemptions come before the next purchase, so the ledger reads in order.
        later = occurred + (following - occurred) * rng.uniform(0.1, 0.9)
        balance = book.member.points_balance
        if rng.random() < REFUND_SHARE:
            share = Decimal(rng.choice((25, 50, 100))) / 100
            refund = (amount * share).quantize(Decimal("0.01"))
            book.refund(ref, refund, later, reason="demo return")
        elif rng.random() < REDEEM_SHARE and balance >= 200:
            _redeem(rng, book, balance, ref, later)


def _clear_of(opens: datetime, at: datetime) -> datetime:
    """`at`, moved a day later when it falls in the day after the tier window `opens`."""
    return at + SETTLED_FOR if opens < at <= opens + SETTLED_FOR else at


def _redeem(rng: random.Random, book: Book, balance: int, ref: str, when: datetime) -> None:
    spend = rng.randint(100, balance // 2 + 100) // 100 * 100
    # BENEFIT redemptions come from benefit usages (seed_benefits), not from here.
    purpose = rng.choice((RedemptionPurpose.GIFT, RedemptionPurpose.CASH_OFFSET))
    book.redeem(spend, purpose, f"demo-{ref}", when, reference="demo")
