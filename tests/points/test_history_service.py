"""Bulk histories (services/points/history.py) leave what posting event by event leaves."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from models.communication import Communication
from models.enums import MemberStatus, RedemptionPurpose, TierChangeReason
from models.member import Member
from models.points import PointsEntry, Purchase
from models.tier import TierChange
from services import points, tiers
from services.clock import local_date, utcnow
from services.errors import DomainError, Duplicate, NotFound
from services.points.expiry import lots_of
from services.points.history import Book, post_histories
from services.points.lots import expiring_by
from tests.factories import make_member, make_tiers
from tests.tags.helpers import active_tag, carriers

# A year and a bit: the default tier window (12 months) holds no purchase after such a gap.
TIER_WINDOW_DAYS = 370


@dataclass(frozen=True)
class Buy:
    ref: str
    amount: str
    at: datetime


@dataclass(frozen=True)
class Refund:
    ref: str
    amount: str
    at: datetime


@dataclass(frozen=True)
class Redeem:
    points: int
    key: str
    at: datetime


@dataclass(frozen=True)
class Evaluate:
    at: datetime


Event = Buy | Refund | Redeem | Evaluate


def _history(start: datetime) -> list[Event]:
    """Three years of shopping with every rule in play: birthdays, promotions up the
    ladder, zero-point purchases, partial, full, excessive and short refunds, redemptions
    that are replayed or not covered, repeated orderRefs, unknown ones, tier evaluations
    that keep the tier and one after a year without purchases that demotes."""
    rng = random.Random(7)
    events: list[Event] = []
    at = start
    for n in range(60):
        at += timedelta(days=rng.uniform(5, 15), seconds=rng.randint(0, 86_399))
        if n in (15, 45):
            events.append(Evaluate(at - timedelta(hours=1)))
        if n == 30:
            at += timedelta(days=TIER_WINDOW_DAYS)
            events.append(Evaluate(at - timedelta(hours=1)))
        ref = f"O{n}"
        amount = rng.choice(("0.50", "19.99", "350.00", "1200.00", "2999.99", "8000.00"))
        events.append(Buy(ref, amount, at))
        roll = rng.random()
        later = at + timedelta(hours=rng.randint(1, 48))
        if roll < 0.15:
            events.append(Refund(ref, rng.choice(("0.50", "10.00", amount)), later))
            # a second refund: the rest in small change, or too much
            second = later + timedelta(hours=1)
            events.append(Refund(ref, rng.choice(("0.50", amount)), second))
        elif roll < 0.35:
            events.append(Redeem(rng.choice((100, 2000, 30000)), f"K{rng.randint(0, 12)}", later))
        elif roll < 0.40:
            events.append(Buy(ref, "5.00", later))  # the same orderRef again
        elif roll < 0.45:
            events.append(Refund("NOPE", "1.00", later))
    # Spend nearly everything, then refund a big purchase: the reversal falls short.
    end = at + timedelta(days=2)
    events += [Buy("BIG", "9000.00", end), Redeem(1, "ALL", end + timedelta(hours=1))]
    events += [Refund("BIG", "9000.00", end + timedelta(hours=2))]
    return events


def _drain(events: list[Event], balance: int) -> list[Event]:
    """The "ALL" redemption takes the balance the history leaves before it, less one point."""
    return [
        Redeem(balance - 1, e.key, e.at) if isinstance(e, Redeem) and e.key == "ALL" else e
        for e in events
    ]


def _ref(prefix: str, ref: str) -> str:
    return ref if ref == "NOPE" else f"{prefix}{ref}"


async def _through_services(member_id: int, prefix: str, events: list[Event]) -> list[str]:
    outcomes = []
    for event in events:
        try:
            match event:
                case Buy(ref, amount, at):
                    await points.record_purchase(
                        member_id, _ref(prefix, ref), Decimal(amount), at, occurred_at=at
                    )
                case Refund(ref, amount, at):
                    await points.refund_purchase(_ref(prefix, ref), Decimal(amount), at)
                case Redeem(spend, key, at):
                    purpose = RedemptionPurpose.GIFT
                    await points.redeem_points(member_id, spend, purpose, key, at)
                case Evaluate(at):
                    await tiers.run_tier_evaluation(at)
            outcomes.append("OK")
        except DomainError as error:
            outcomes.append(f"{error.code}: {error.message}".replace(prefix, ""))
    return outcomes


def _on_book(book: Book, prefix: str, events: list[Event], outcomes: list[str]) -> None:
    for event in events:
        try:
            match event:
                case Buy(ref, amount, at):
                    book.purchase(_ref(prefix, ref), Decimal(amount), at, occurred_at=at)
                case Refund(ref, amount, at):
                    book.refund(_ref(prefix, ref), Decimal(amount), at)
                case Redeem(spend, key, at):
                    book.redeem(spend, RedemptionPurpose.GIFT, key, at)
                case Evaluate(at):
                    book.evaluate(at)
            outcomes.append("OK")
        except DomainError as error:
            outcomes.append(f"{error.code}: {error.message}".replace(prefix, ""))


async def _in_bulk(member_id: int, prefix: str, parts: list[list[Event]]) -> list[str]:
    outcomes: list[str] = []
    for part in parts:
        script = partial(_on_book, prefix=prefix, events=part, outcomes=outcomes)
        await post_histories([member_id], script)
    return outcomes


async def _state(member_id: int, prefix: str) -> dict[str, Any]:
    """Everything the history wrote for the member, without ids and orderRef prefixes."""
    member = await Member.get(id=member_id)
    purchases = await Purchase.filter(member_id=member_id).order_by("id")
    refs = {p.id: p.order_ref.replace(prefix, "") for p in purchases}

    def plain(row: Any, *columns: str) -> tuple[Any, ...]:
        values = [getattr(row, c) for c in columns]
        return tuple(v.replace(prefix, "") if isinstance(v, str) else v for v in values)

    entries = await PointsEntry.filter(member_id=member_id).order_by("id")
    changes = await TierChange.filter(member_id=member_id).order_by("id")
    notices = await Communication.filter(member_id=member_id).order_by("id")
    today = local_date(utcnow())
    return {
        "member": plain(
            member, "points_balance", "lifetime_spend", "last_purchase_at", "tier_id", "status"
        ),
        "purchases": [
            plain(p, "order_ref", "amount", "refunded_amount", "points_earned", "occurred_at")
            + plain(p, "created_at", "channel")
            for p in purchases
        ],
        "entries": [
            plain(e, "kind", "points", "balance_after", "reason", "expires_at", "created_at")
            + plain(e, "idempotency_key", "purpose")
            + (refs.get(e.purchase_id),)  # type: ignore[arg-type]
            for e in entries
        ],
        "changes": [
            plain(c, "from_tier_id", "to_tier_id", "reason", "at") + (refs.get(c.purchase_id),)  # type: ignore[arg-type]
            for c in changes
        ],
        "notices": [plain(n, "category", "subject", "content", "occurred_at") for n in notices],
        "expiring": expiring_by(
            (await lots_of([member_id]))[member_id], today + timedelta(days=400)
        ),
    }


async def _twins() -> tuple[Member, Member, list[Event]]:
    regular = (await make_tiers())[0]
    start = utcnow() - timedelta(days=730 + TIER_WINDOW_DAYS)
    events = _history(start)
    # Born on the day of the ninth purchase, in the business time zone.
    day = local_date([e for e in events if isinstance(e, Buy)][8].at)
    born = date(1992, day.month, day.day)  # a leap year: any day will do
    one, two = [await make_member(tier=regular, birth_date=born) for _ in range(2)]
    return one, two, events


async def test_a_history_in_bulk_equals_it_posted_event_by_event(db) -> None:
    # given twin members and a history that touches every rule
    one, two, events = await _twins()
    # when it is posted through the services for one, sizing the last redemption,
    probe = await _through_services(one.id, "A-", events[:-2])
    balance = (await Member.get(id=one.id)).points_balance
    events = _drain(events, balance)
    expected = probe + await _through_services(one.id, "A-", events[-2:])
    # and in bulk for the other, in two parts (the second on top of what the first wrote)
    half = len(events) // 2
    outcomes = await _in_bulk(two.id, "B-", [events[:half], events[half:]])
    # then both see the same outcomes and hold the same rows
    assert outcomes == expected
    assert {"OK", "INSUFFICIENT_POINTS: Not enough points."} <= set(outcomes)
    assert any(o.startswith("INVALID: Only") for o in outcomes)
    assert any(o.startswith("NOT_FOUND") for o in outcomes)
    assert await _state(two.id, "B-") == await _state(one.id, "A-")
    state = await _state(two.id, "B-")
    assert len(state["changes"]) >= 3  # promoted up the ladder
    assert [c[2] for c in state["changes"]].count(TierChangeReason.DEMOTION) == 1
    assert any("birthday" in (e[3] or "") for e in state["entries"])
    assert any("shortfall" in (e[3] or "") for e in state["entries"])
    assert await points.verify_ledger() == []


async def test_a_suspended_member_s_history_earns_nothing(db) -> None:
    member = await make_member(status=MemberStatus.SUSPENDED)
    outcomes: list[str] = []
    buy = Buy("X1", "10.00", utcnow() - timedelta(days=1))
    await post_histories([member.id], lambda book: _on_book(book, "S-", [buy], outcomes))
    assert outcomes == ["INVALID_STATE: A suspended member cannot earn or redeem points."]
    assert await Purchase.all().count() == 0


async def test_an_order_ref_of_another_member_writes_nothing(db) -> None:
    one, two = await make_member(), await make_member()
    at = utcnow() - timedelta(days=1)
    await points.record_purchase(one.id, "TAKEN", Decimal("10.00"), at)

    def buy(book: Book) -> None:
        book.purchase("MINE", Decimal("10.00"), at)
        book.purchase("TAKEN", Decimal("10.00"), at)

    with pytest.raises(Duplicate):
        await post_histories([two.id], buy)
    assert await Purchase.filter(member_id=two.id).count() == 0
    with pytest.raises(NotFound):
        await post_histories([two.id + 1000], buy)


async def test_a_history_refreshes_the_member_s_rule_tags_as_of_its_last_purchase(db) -> None:
    member = await make_member()
    await active_tag("bought-lately", {"field": "daysSinceLastPurchase", "op": "lte", "value": 30})
    at = utcnow() - timedelta(days=3)
    await post_histories([member.id], lambda book: book.purchase("T-1", Decimal("9.00"), at))  # type: ignore[arg-type]
    assert await carriers("bought-lately") == {member.id}
