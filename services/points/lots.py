"""FIFO lots computed from the ledger itself (DESIGN §2 "Expiry").

The ledger stays the only record: replaying a member's entries in posting order
gives every credit's unconsumed remainder, so nothing mutable can drift from it.
- Credits (EARN, positive ADJUST) open a lot; EARN lots carry their expiry, an
  ADJUST credit never expires and is spent last.
- A REVERSAL first takes back what is left of its own purchase's lot, then FIFO.
- Every other debit (REDEEM, negative ADJUST, EXPIRE, FORFEIT) takes the lots in
  expiry order. Lapsed lots are the oldest, so an EXPIRE of their remainder takes
  exactly them.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter

from models.enums import PointsEntryKind
from models.points import PointsEntry
from services.clock import as_utc, local_date
from services.points.dates import add_months, local_midnight


@dataclass
class Lot:
    entry_id: int
    purchase_id: int | None
    expires_at: datetime | None
    remaining: int
    # The order debits take lots in (soonest expiry first, a lot that never expires last,
    # then posting order): fixed when the lot opens.
    order: tuple[bool, datetime, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        never = self.expires_at is None
        self.order = (never, self.expires_at or datetime.min, self.entry_id)


class Overdrawn(Exception):
    """A debit took more than the open lots held: the ledger is inconsistent."""


_ORDER = attrgetter("order")


def _take(lots: list[Lot], points: int) -> int:
    """Take up to `points` from `lots` in their order; returns what could not be taken."""
    for lot in lots:
        if points == 0:
            break
        taken = min(lot.remaining, points)
        lot.remaining -= taken
        points -= taken
    return points


def open_lots(entries: Iterable[PointsEntry]) -> list[Lot]:
    """The lots with points left after `entries` (one member's, in posting order), in
    the order debits take them.

    Raises Overdrawn when a debit exceeds what the lots hold.
    """
    lots: list[Lot] = []  # kept in their order as they open: a debit takes them as they are
    for entry in entries:
        if entry.points > 0:
            expires = as_utc(entry.expires_at) if entry.expires_at is not None else None
            insort(lots, Lot(entry.id, entry.purchase_id, expires, entry.points), key=_ORDER)
            continue
        debit = -entry.points
        if entry.kind == PointsEntryKind.REVERSAL and entry.purchase_id is not None:
            own = [lot for lot in lots if lot.purchase_id == entry.purchase_id]
            debit = _take(own, debit)
        if _take(lots, debit):
            raise Overdrawn(f"entry {entry.id} takes more than the open lots hold")
        lots = [lot for lot in lots if lot.remaining > 0]
    return lots


def lapsed_points(lots: Iterable[Lot], as_of: datetime) -> int:
    """Points of lots whose expiry lies before `as_of`."""
    return sum(
        lot.remaining for lot in lots if lot.expires_at is not None and lot.expires_at < as_of
    )


def expiring_by(lots: Iterable[Lot], day: date) -> int:
    """Points of lots that expire on or before the business-calendar `day`."""
    return sum(
        lot.remaining
        for lot in lots
        if lot.expires_at is not None and local_date(lot.expires_at) <= day
    )


def points_expiring_by(entries: Iterable[PointsEntry], day: date) -> int:
    """Points of one member's ledger (its entries in posting order) that expire on or
    before the business-calendar `day` (DESIGN §2 "Expiry")."""
    return expiring_by(open_lots(entries), day)


def expiry_of(occurred_at: datetime, months: int) -> datetime:
    """The last second of the month `months` after the purchase's month, business time zone.

    A purchase on 2023-01-15 with 24 months expires at 2025-01-31 23:59:59 local.
    """
    month_start = local_date(occurred_at).replace(day=1)
    following = add_months(month_start, months + 1)
    return local_midnight(following) - timedelta(seconds=1)
