"""Posting to the append-only points ledger (DESIGN §2 "Points ledger").

Every posting runs inside a caller's transaction whose first statement locks the
member row: `locked_member` / `locked_balance` when the caller reads before posting,
else the guarded balance UPDATE of `post_entry` itself. On SQLite every transaction
holds the database's write lock from its BEGIN IMMEDIATE (shortcuts/sqlite.py; busy waits
are SQLite's busy timeout plus `services.db.retry_busy`), so reading the row is enough;
on PostgreSQL the lock is the row lock an UPDATE would take, held until commit.
Concurrent writers to one balance queue up instead of losing or double-counting points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.ids import to_global_id
from models.enums import MemberStatus, PointsEntryKind, RedemptionPurpose
from models.member import Member
from models.points import PointsEntry
from services.errors import InsufficientPoints, InvalidState, NotFound
from services.points import events
from services.webhooks import emit
from services.webhooks.events import timestamp
from shortcuts.rows import select
from shortcuts.sql import fetch_dicts, in_dialect, insert, insert_rows, marks

POINTS_FIELD = ("input", "points")
# Members in these states earn and redeem points (TERMINATING ones until it takes effect).
POINTS_STATES = (MemberStatus.ACTIVE, MemberStatus.TERMINATING)


def ensure_points_active(member: Member, field: tuple[str, ...] = ("input", "memberId")) -> None:
    """InvalidState unless the member may earn and redeem (suspended and terminated may not)."""
    if member.status not in POINTS_STATES:
        raise InvalidState(
            f"A {member.status.value.lower()} member cannot earn or redeem points.", field
        )


# The guarded move and the balance it leaves, in one statement; {also}: other columns set.
_MOVE = (
    "UPDATE member SET points_balance = points_balance + ?{also}"
    " WHERE id = ? AND points_balance >= ? RETURNING points_balance"
)
# Member rows, locked for this transaction; {ids} are placeholders.
_LOCK = {
    # The transaction's BEGIN IMMEDIATE took SQLite's write lock: a read is enough, where a
    # no-op UPDATE would rewrite the row and its points-balance index (135 -> 61 us).
    "sqlite": "SELECT * FROM member WHERE id IN ({ids})",
    # The row lock an UPDATE of the row would take, without writing a new row version;
    # in id order, so two transactions locking overlapping members cannot deadlock.
    "postgres": "SELECT * FROM member WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE",
}


def balance_after(balance: int, points: int) -> int:
    """The balance after moving `points` (signed); InsufficientPoints below zero."""
    if balance + points < 0:
        raise InsufficientPoints("Not enough points.", POINTS_FIELD)
    return balance + points


async def move_balance(conn: Any, member_id: int, points: int) -> int:
    """Add `points` (signed) to the member's balance unless it would go below zero.

    Returns the balance after the move; raises InsufficientPoints or NotFound.
    """
    rows = await _moved(conn, member_id, points, {})
    if not rows:
        exists = await Member.filter(id=member_id).using_db(conn).exists()
        if not exists:
            raise NotFound("No such member.", ("input", "memberId"))
        raise InsufficientPoints("Not enough points.", POINTS_FIELD)
    return int(rows[0]["points_balance"])


async def _moved(
    conn: Any, member_id: int, points: int, also: dict[str, Any]
) -> list[dict[str, Any]]:
    """The guarded move, writing `also` (member columns, stored as Tortoise stores them)
    with it; no row when the balance would go below zero or there is no such member."""
    meta = Member._meta
    columns = "".join(f", {meta.fields_db_projection[column]} = ?" for column in also)
    # No instance, as Tortoise's own queryset code calls it (its annotation asks for one).
    stored = [meta.fields_map[column].to_db_value(value, None) for column, value in also.items()]  # type: ignore[arg-type]
    return await fetch_dicts(
        conn, _MOVE.format(also=columns), [points, *stored, member_id, -points]
    )


async def post_entry(
    conn: Any,
    member_id: int,
    kind: PointsEntryKind,
    points: int,
    now: datetime,
    *,
    reason: str | None = None,
    idempotency_key: str | None = None,
    purchase_id: int | None = None,
    created_by_id: int | None = None,
    expires_at: datetime | None = None,
    purpose: RedemptionPurpose | None = None,
) -> PointsEntry:
    """Post one ledger entry and move the member's balance with it, inside `conn`'s transaction.

    Raises InsufficientPoints (at ("input", "points")) when a debit would take the
    balance below zero, NotFound for an unknown member. A repeated idempotency key
    raises the database's IntegrityError: callers look the first entry up and
    return it (see `find_replay`).
    """
    after = await move_balance(conn, member_id, points)
    entry = {
        "reason": reason,
        "idempotency_key": idempotency_key,
        "purchase_id": purchase_id,
        "created_by_id": created_by_id,
        "expires_at": expires_at,
        "purpose": purpose,
    }
    return await _append(conn, member_id, kind, points, after, now, entry)


async def post_for_locked(
    conn: Any,
    member: Member,
    kind: PointsEntryKind,
    points: int,
    now: datetime,
    *,
    also: dict[str, Any] | None = None,
    **entry: Any,
) -> PointsEntry:
    """`post_entry` for a member this transaction has locked (`locked_member`), whose
    balance it therefore knows: one UPDATE moves the balance and writes `also` (other
    member columns), one INSERT records the entry. `member` is updated in place;
    `entry` takes post_entry's optional columns (reason, purchase_id, ...).

    Raises InsufficientPoints when a debit would take the balance below zero.
    """
    values = also or {}
    after = balance_after(member.points_balance, points)
    if not await _moved(conn, member.id, points, values):
        raise InsufficientPoints("Not enough points.", POINTS_FIELD)
    member.points_balance = after
    for column, value in values.items():
        setattr(member, column, value)
    return await _append(conn, member.id, kind, points, member.points_balance, now, entry)


@dataclass(frozen=True)
class Posting:
    """A locked member's entry for `post_for_locked_members`: its points (signed), reason."""

    member: Member
    points: int
    reason: str | None = None


async def post_for_locked_members(
    conn: Any, kind: PointsEntryKind, postings: Sequence[Posting], now: datetime
) -> list[PointsEntry]:
    """`post_for_locked` for several members this transaction has locked, one entry each
    and all of `kind`: one UPDATE sets their balances and one INSERT records the entries
    (two statements a member cost the points expiry job at 100,000 members half its
    time). The members are updated in place.

    Raises InsufficientPoints, before writing anything, when a debit would take a
    balance below zero."""
    if not postings:
        return []
    afters = [balance_after(p.member.points_balance, p.points) for p in postings]
    ids = [p.member.id for p in postings]
    if len(set(ids)) != len(ids):
        raise ValueError("one posting a member")
    cases = " ".join(["WHEN ? THEN CAST(? AS INTEGER)"] * len(postings))
    await fetch_dicts(
        conn,
        f"UPDATE member SET points_balance = CASE id {cases} END WHERE id IN ({marks(len(ids))})",
        [*(value for pair in zip(ids, afters, strict=True) for value in pair), *ids],
    )
    entries = [
        entry_row(p.member.id, kind, p.points, after, now, reason=p.reason)
        for p, after in zip(postings, afters, strict=True)
    ]
    keys = await insert_rows(conn, PointsEntry, entries, ("id", "member_id"))
    entry_of = {entry.member_id: entry for entry in entries}
    for key in keys:
        entry_of[key["member_id"]].id = key["id"]
    for posting, after, entry in zip(postings, afters, entries, strict=True):
        posting.member.points_balance = after
        entry._saved_in_db = True
        await _announce(conn, entry, now)
    return entries


async def _append(
    conn: Any,
    member_id: int,
    kind: PointsEntryKind,
    points: int,
    balance_after: int,
    now: datetime,
    fields: dict[str, Any],
) -> PointsEntry:
    entry = entry_row(member_id, kind, points, balance_after, now, **fields)
    await insert(conn, entry)
    await _announce(conn, entry, now)
    return entry


async def _announce(conn: Any, entry: PointsEntry, now: datetime) -> None:
    """A posted entry made known: to subscribers once the transaction commits, and to
    webhooks as a points.posted event."""
    await events.announce(conn, entry)
    data = {
        "entryId": to_global_id("PointsEntry", entry.id),
        "kind": entry.kind.value,
        "points": entry.points,
        "balanceAfter": entry.balance_after,
        "purchaseId": entry.purchase_id and to_global_id("Purchase", entry.purchase_id),
        "expiresAt": entry.expires_at and timestamp(entry.expires_at),
    }
    await emit(conn, "points.posted", entry.member_id, data, now)


def entry_row(
    member_id: int,
    kind: PointsEntryKind,
    points: int,
    balance_after: int,
    now: datetime,
    **fields: Any,
) -> PointsEntry:
    """A ledger entry, unsaved: the caller has moved the member's balance to `balance_after`."""
    return PointsEntry(
        member_id=member_id,
        kind=kind,
        points=points,
        balance_after=balance_after,
        created_at=now,
        **fields,
    )


async def forfeit_balance(member_id: int, now: datetime, conn: Any) -> PointsEntry | None:
    """Forfeit the member's whole remaining balance with one FORFEIT entry (termination).

    Posts nothing when the balance is zero. Runs inside `conn`'s transaction.
    """
    balance = await locked_balance(conn, member_id)
    if balance <= 0:
        return None
    return await post_entry(
        conn, member_id, PointsEntryKind.FORFEIT, -balance, now, reason="Membership terminated"
    )


async def locked_balance(conn: Any, member_id: int) -> int:
    """The member's balance, read after a no-op write so the row stays ours until commit."""
    return await move_balance(conn, member_id, 0)


async def locked_member(conn: Any, member_id: int) -> Member:
    """The member row, read by the statement that locks it for this transaction: on
    PostgreSQL the row lock (on SQLite the transaction already holds the write lock).
    Raises NotFound."""
    members = await locked_members(conn, [member_id])
    if not members:
        raise NotFound("No such member.", ("input", "memberId"))
    return members[0]


async def locked_members(conn: Any, member_ids: Sequence[int]) -> list[Member]:
    """`locked_member` for several members at once; those that exist, in no set order."""
    # Placeholders, not the ids written in: one text per count is compiled once (sqlite3
    # keeps compiled statements by their text), where each member's own cost 50 us more.
    text = _LOCK[conn.capabilities.dialect].format(ids=marks(len(member_ids)))
    return await select(Member, conn, in_dialect(conn, text), [int(id_) for id_ in member_ids])


async def find_replay(member_id: int, idempotency_key: str) -> PointsEntry | None:
    return await PointsEntry.get_or_none(member_id=member_id, idempotency_key=idempotency_key)
