"""Members' purchase histories posted at once (demo data, imports).

The rules of `record_purchase`, `refund_purchase`, `redeem_points` and, for one member,
`run_tier_evaluation` (rules.py, ledger.py, services/tiers.py) are applied in memory,
event by event, to a Book per member; the outcome is then written with a few multi-row
statements in one transaction. It is what posting each event through those services in
the same order leaves (tests/points/test_history_service.py holds the two side by side),
except, on purpose:
- the postings are not announced to pointsPosted subscribers: they are history;
- rule tags are refreshed once per member after the write, as of its last purchase;
- a refund names a purchase of the same member (the service finds any member's);
- an evaluation writes no job audit entry: it is part of the history, not a job run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.expressions import Q

from models.communication import Communication
from models.enums import PointsEntryKind, RedemptionPurpose, TierChangeReason
from models.member import Member
from models.points import PointsEntry, Purchase
from models.tier import Tier, TierChange
from services import delivery, tiers
from services.communications import notification
from services.db import retry_busy, transaction
from services.errors import Duplicate, NotFound
from services.points.ledger import balance_after, ensure_points_active, entry_row, locked_members
from services.points.redemption import clean_redemption, replayed
from services.points.rules import (
    clean_amount,
    clean_purchase,
    clean_ref,
    earning,
    purchase_row,
    reversal,
)
from services.tags import refresh_members_tags
from services.validation import clean_text

# Rows per INSERT and values per IN list: below SQLite's bound-parameter limit.
BATCH = 500
MEMBER_COLUMNS = ("points_balance", "lifetime_spend", "last_purchase_at", "tier_id")
Row = TypeVar("Row", PointsEntry, TierChange)


@dataclass
class Book:
    """One member's ledger while their history is posted: the member row as it stands
    after every event so far, and the rows still to be written."""

    member: Member
    ladder: list[Tier]
    purchases: dict[str, Purchase]  # the member's, by orderRef
    reversed: defaultdict[str, int]  # points taken back so far, by orderRef
    keyed: dict[str, PointsEntry]  # the member's entries by idempotency key
    new: list[Purchase] = field(default_factory=list)
    entries: list[tuple[PointsEntry, Purchase | None]] = field(default_factory=list)
    changes: list[tuple[TierChange, Purchase | None]] = field(default_factory=list)
    notices: list[Communication] = field(default_factory=list)
    refunded_earlier: set[str] = field(default_factory=set)
    tags_as_of: datetime | None = None

    def purchase(
        self,
        order_ref: str,
        amount: Decimal,
        now: datetime,
        *,
        occurred_at: datetime | None = None,
        channel: str | None = None,
        created_by_id: int | None = None,
    ) -> Purchase:
        """`record_purchase`: earn, then promote if the window now qualifies."""
        bought = clean_purchase(order_ref, amount, now, occurred_at, channel)
        first = self.purchases.get(bought.order_ref)
        if first is not None:
            return first
        member = self.member
        ensure_points_active(member)
        earned = earning(member, tiers.tier_of(self.ladder, member.tier_id), bought)
        purchase = purchase_row(member.id, bought, earned, now, created_by_id)
        self.purchases[bought.order_ref] = purchase
        self.new.append(purchase)
        if earned.points > 0:
            self._post(
                PointsEntryKind.EARN,
                earned.points,
                now,
                purchase,
                created_by_id,
                reason=earned.reason,
                expires_at=earned.expires_at,
            )
        for column, value in earned.member_values.items():
            setattr(member, column, value)
        self._promote(purchase, now)
        self.tags_as_of = now
        return purchase

    def _promote(self, purchase: Purchase, now: datetime) -> None:
        if not tiers.may_rise(self.ladder, self.member):
            return
        qualifying = tiers.qualifying_in(self.purchases.values(), now)
        target = tiers.promotion(self.ladder, self.member.tier_id, qualifying)
        if target is None:
            return
        self._change_tier(target, TierChangeReason.PROMOTION, now, purchase)

    def evaluate(self, as_of: datetime) -> None:
        """`run_tier_evaluation` for this member: demoted to the highest tier the window
        ending at `as_of` meets when that is below the one held."""
        if self.member.status not in tiers.EVALUATED:
            return
        qualifying = tiers.qualifying_in(self.purchases.values(), as_of)
        target = tiers.highest_met(self.ladder, qualifying)
        if target.rank < tiers.tier_of(self.ladder, self.member.tier_id).rank:
            self._change_tier(target, TierChangeReason.DEMOTION, as_of, None)

    def _change_tier(
        self, target: Tier, reason: TierChangeReason, now: datetime, purchase: Purchase | None
    ) -> None:
        self.changes.append((tiers.change_row(self.member, target, reason, now), purchase))
        self.notices.append(
            notification(self.member.id, self.member.email, *tiers.notice(reason, target), now)
        )
        self.member.tier_id = target.id

    def refund(
        self,
        order_ref: str,
        amount: Decimal,
        now: datetime,
        *,
        reason: str | None = None,
        created_by_id: int | None = None,
    ) -> Purchase:
        """`refund_purchase` of one of this member's purchases."""
        ref = clean_ref(order_ref)
        amount = clean_amount(amount)
        note = clean_text(reason, ("input", "reason"))
        purchase = self.purchases.get(ref)
        if purchase is None:
            raise NotFound(f"No purchase with orderRef {ref!r}.", ("input", "orderRef"))
        back = reversal(purchase, amount, self.reversed[ref], self.member.points_balance, note)
        if back.due > 0:
            self._post(
                PointsEntryKind.REVERSAL,
                -back.take,
                now,
                purchase,
                created_by_id,
                reason=back.reason,
            )
            self.reversed[ref] += back.take
        self.member.lifetime_spend -= amount
        purchase.refunded_amount = back.refunded
        if purchase.id is not None:  # recorded before this history: updated in place
            self.refunded_earlier.add(ref)
        return purchase

    def redeem(
        self,
        points: int,
        purpose: RedemptionPurpose,
        idempotency_key: str,
        now: datetime,
        *,
        reference: str | None = None,
        created_by_id: int | None = None,
    ) -> PointsEntry:
        """`redeem_points`: the same key again returns the first entry."""
        spend = clean_redemption(points, purpose, idempotency_key, reference)
        first = self.keyed.get(spend.key)
        if first is not None:
            return replayed(first, PointsEntryKind.REDEEM)
        ensure_points_active(self.member)
        entry = self._post(
            PointsEntryKind.REDEEM,
            -spend.points,
            now,
            None,
            created_by_id,
            reason=spend.reason,
            idempotency_key=spend.key,
            purpose=purpose,
        )
        self.keyed[spend.key] = entry
        return entry

    def _post(
        self,
        kind: PointsEntryKind,
        points: int,
        now: datetime,
        purchase: Purchase | None,
        created_by_id: int | None,
        **fields: Any,
    ) -> PointsEntry:
        after = balance_after(self.member.points_balance, points)
        entry = entry_row(
            self.member.id, kind, points, after, now, created_by_id=created_by_id, **fields
        )
        self.member.points_balance = after
        self.entries.append((entry, purchase))
        return entry


async def post_histories(member_ids: Sequence[int], script: Callable[[Book], None]) -> list[Book]:
    """Post each member's history as `script` records it on their Book, in one transaction
    that holds the members' rows (DESIGN §2 "Points ledger").

    `script` raises what the services raise (and nothing is written); it runs again if
    the database was busy. Raises NotFound (a member), Duplicate (an orderRef recorded
    for another member).
    """

    async def write() -> list[Book]:
        async with transaction() as conn:
            books = await _open(conn, member_ids)
            for book in books:
                script(book)
            await _save(conn, books)
            return books

    books = await retry_busy(write)
    bought = {book.member.id: book.tags_as_of for book in books if book.tags_as_of is not None}
    await refresh_members_tags(bought)
    return books


async def _open(conn: Any, member_ids: Sequence[int]) -> list[Book]:
    """The members' Books as their rows, purchases and keyed or reversing entries stand."""
    members = {member.id: member for member in await locked_members(conn, member_ids)}
    missing = [member_id for member_id in member_ids if member_id not in members]
    if missing:
        raise NotFound(f"No member with id {missing[0]}.", ("input", "memberId"))
    ids = list(members)
    purchases: defaultdict[int, dict[str, Purchase]] = defaultdict(dict)
    by_id: dict[int, Purchase] = {}
    for purchase in await Purchase.filter(member_id__in=ids).using_db(conn):
        by_id[purchase.id] = purchase
        purchases[purchase.member_id][purchase.order_ref] = purchase
    taken: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    keyed: defaultdict[int, dict[str, PointsEntry]] = defaultdict(dict)
    wanted = Q(kind=PointsEntryKind.REVERSAL) | Q(idempotency_key__isnull=False)
    for entry in await PointsEntry.filter(wanted, member_id__in=ids).using_db(conn):
        owner: int = entry.member_id
        if entry.idempotency_key is not None:
            keyed[owner][entry.idempotency_key] = entry
        if entry.kind == PointsEntryKind.REVERSAL and entry.purchase_id in by_id:
            taken[owner][by_id[entry.purchase_id].order_ref] -= entry.points
    ladder = await tiers.ladder(conn)
    return [Book(members[m], ladder, purchases[m], taken[m], keyed[m]) for m in member_ids]


async def _save(conn: Any, books: list[Book]) -> None:
    """Write what the Books hold: purchases first, for the ids the other rows refer to."""
    new = [purchase for book in books for purchase in book.new]
    ids = await _insert_purchases(conn, new)
    for purchase in new:
        purchase.id = ids[purchase.order_ref]
    entries = [_with_purchase(*pair) for book in books for pair in book.entries]
    changes = [_with_purchase(*pair) for book in books for pair in book.changes]
    notices = [notice for book in books for notice in book.notices]
    for model, rows in ((PointsEntry, entries), (TierChange, changes), (Communication, notices)):
        if rows:
            # Each model with its own rows: the type checker cannot pair them in the loop.
            await model.bulk_create(rows, batch_size=BATCH, using_db=conn)  # type: ignore[arg-type]
    noticed: dict[datetime, list[int]] = defaultdict(list)
    for notice in notices:
        noticed[notice.occurred_at].append(notice.member_id)
    for at, member_ids in noticed.items():
        await delivery.queue_inserted(conn, member_ids, at)
    for book in books:
        for ref in book.refunded_earlier:
            purchase = book.purchases[ref]
            await (
                Purchase.filter(id=purchase.id)
                .using_db(conn)
                .update(refunded_amount=purchase.refunded_amount)
            )
    members = [book.member for book in books]
    await Member.bulk_update(members, MEMBER_COLUMNS, batch_size=BATCH, using_db=conn)


def _with_purchase(row: Row, purchase: Purchase | None) -> Row:
    if purchase is not None:
        row.purchase_id = purchase.id
    return row


async def _insert_purchases(conn: Any, purchases: list[Purchase]) -> dict[str, int]:
    """Insert the purchases; their ids by orderRef. Duplicate if one was recorded already
    (for another member: the member's own would have been a replay)."""
    refs = [purchase.order_ref for purchase in purchases]
    if not refs:
        return {}
    taken = await _ids_by_ref(conn, refs)
    if taken:
        raise Duplicate(
            f"orderRef {next(iter(taken))!r} belongs to another member's purchase.",
            ("input", "orderRef"),
        )
    await Purchase.bulk_create(purchases, batch_size=BATCH, using_db=conn)
    return await _ids_by_ref(conn, refs)


async def _ids_by_ref(conn: Any, refs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(refs), BATCH):
        chunk = refs[start : start + BATCH]
        found = Purchase.filter(order_ref__in=chunk).using_db(conn)
        ids.update(await found.values_list("order_ref", "id"))
    return ids
