"""Redemptions and manual adjustments: keyed debits and credits (DESIGN §2 "Points ledger").

Decisions the design leaves open:
- A key is unique per member across redemptions and adjustments; repeating it for the
  other operation is DUPLICATE rather than a silent replay of something else.
- Staff may adjust a suspended member's points (corrections), never a terminated one's:
  their balance was forfeited with the membership.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from core.settings import get_settings
from models.enums import MemberStatus, PointsEntryKind, RedemptionPurpose
from models.member import Member
from models.points import PointsEntry
from services.db import retry_busy, transaction
from services.errors import Duplicate, InsufficientPoints, Invalid, InvalidState, NotFound
from services.points.ledger import ensure_points_active, locked_member, post_for_locked
from services.points.rules import CENT
from services.validation import clean_key, clean_text

KEY_FIELD = ("input", "idempotencyKey")
MAX_POINTS = 1_000_000_000


@dataclass(frozen=True)
class PointsResult:
    entry: PointsEntry
    member: Member
    cash_value: Decimal | None = None


def cash_value(points: int, purpose: RedemptionPurpose | None) -> Decimal | None:
    """What redeemed points are worth as CASH_OFFSET (None for other purposes)."""
    if purpose != RedemptionPurpose.CASH_OFFSET:
        return None
    value = Decimal(points) * get_settings().cash_per_point
    return value.quantize(CENT, rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class Redemption:
    """A redemption as posted: validated by `clean_redemption`."""

    points: int
    purpose: RedemptionPurpose
    key: str
    reason: str


def clean_points(points: int, *, signed: bool) -> int:
    if abs(points) > MAX_POINTS or points == 0 or (points < 0 and not signed):
        shape = "non-zero" if signed else "positive"
        raise Invalid(f"points must be {shape} and at most {MAX_POINTS:,}.", ("input", "points"))
    return points


def clean_redemption(
    points: int, purpose: RedemptionPurpose, idempotency_key: str, reference: str | None
) -> Redemption:
    """Raises Invalid (points, key, reference)."""
    points = clean_points(points, signed=False)
    key = clean_key(idempotency_key)
    ref = clean_text(reference, ("input", "reference"), line=True)
    if ref is not None and len(ref) > 200:
        raise Invalid("A reference has at most 200 characters.", ("input", "reference"))
    reason = f"Redeemed for {purpose.value}" + (f": {ref}" if ref else "")
    return Redemption(points, purpose, key, reason)


async def redeem_points(
    member_id: int,
    points: int,
    purpose: RedemptionPurpose,
    idempotency_key: str,
    now: datetime,
    *,
    reference: str | None = None,
    created_by_id: int | None = None,
) -> PointsResult:
    """Spend points (a REDEEM entry); the same key again returns the first result.

    Raises Invalid (points, key, reference), InvalidState (suspended or terminated),
    InsufficientPoints (never below zero), NotFound, Duplicate (key used by an adjustment).
    """
    spend = clean_redemption(points, purpose, idempotency_key, reference)

    async def write(conn: Any) -> tuple[PointsEntry, Member]:
        member = await locked_member(conn, member_id)
        ensure_points_active(member)
        entry = await post_for_locked(
            conn,
            member,
            PointsEntryKind.REDEEM,
            -spend.points,
            now,
            reason=spend.reason,
            idempotency_key=spend.key,
            created_by_id=created_by_id,
            purpose=purpose,
        )
        return entry, member

    entry, member = await _post_once(member_id, spend.key, PointsEntryKind.REDEEM, write)
    return PointsResult(entry, member, cash_value(-entry.points, entry.purpose))


async def adjust_points(
    member_id: int,
    points: int,
    reason: str,
    idempotency_key: str,
    now: datetime,
    *,
    created_by_id: int | None = None,
) -> PointsResult:
    """Credit or debit points by hand (an ADJUST entry with its reason); keyed like redemptions.

    Raises Invalid (points, blank reason, key), InvalidState (terminated member),
    InsufficientPoints (a debit below zero), NotFound, Duplicate (key used by a redemption).
    """
    points = clean_points(points, signed=True)
    text = clean_text(reason, ("input", "reason"), required=True)
    key = clean_key(idempotency_key)

    async def write(conn: Any) -> tuple[PointsEntry, Member]:
        member = await locked_member(conn, member_id)
        if member.status == MemberStatus.TERMINATED:
            raise InvalidState(
                "A terminated member's points cannot be adjusted.", ("input", "memberId")
            )
        entry = await post_for_locked(
            conn,
            member,
            PointsEntryKind.ADJUST,
            points,
            now,
            reason=text,
            idempotency_key=key,
            created_by_id=created_by_id,
        )
        return entry, member

    entry, member = await _post_once(member_id, key, PointsEntryKind.ADJUST, write)
    return PointsResult(entry, member)


async def _post_once(
    member_id: int,
    key: str,
    kind: PointsEntryKind,
    write: Callable[[Any], Awaitable[tuple[PointsEntry, Member]]],
) -> tuple[PointsEntry, Member]:
    """Run `write` in its own transaction; a used key answers with its first entry.

    The key is looked up only when the write fails: UNIQUE(member, key) refuses a
    repeat (also a racing twin's), and a repeat answers first even where the write
    would now be refused (suspended member, balance spent since).
    """

    async def attempt() -> tuple[PointsEntry, Member]:
        async with transaction() as conn:
            return await write(conn)

    try:
        return await retry_busy(attempt)
    except (IntegrityError, InvalidState, InsufficientPoints, NotFound):
        first = await _first_with_key(member_id, key, kind)
        if first is None:
            raise
        return first, await Member.get(id=member_id)


async def _first_with_key(member_id: int, key: str, kind: PointsEntryKind) -> PointsEntry | None:
    first = await PointsEntry.get_or_none(member_id=member_id, idempotency_key=key)
    return replayed(first, kind) if first is not None else None


def replayed(first: PointsEntry, kind: PointsEntryKind) -> PointsEntry:
    """The first entry with a repeated key, if it was the same operation; else Duplicate."""
    if first.kind != kind:
        raise Duplicate("That idempotencyKey was used for another operation.", KEY_FIELD)
    return first
