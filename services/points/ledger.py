"""Posting to the append-only points ledger (DESIGN §2 "Points ledger").

Every posting runs inside a caller's transaction whose first statement writes the
member row: `locked_member` / `locked_balance` (a no-op UPDATE) when the caller reads
before posting, else the guarded balance UPDATE of `post_entry` itself. On SQLite that
takes the write lock before anything is read (a deferred transaction cannot upgrade
across processes; busy waits are SQLite's busy timeout plus `services.db.retry_busy`),
and on PostgreSQL it locks the member row until commit, so concurrent writers to one
balance queue up instead of losing or double-counting points.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import F

from models.enums import MemberStatus, PointsEntryKind, RedemptionPurpose
from models.member import Member
from models.points import PointsEntry
from services.errors import InsufficientPoints, InvalidState, NotFound
from services.points import events

POINTS_FIELD = ("input", "points")
# Members in these states earn and redeem points (TERMINATING ones until it takes effect).
POINTS_STATES = (MemberStatus.ACTIVE, MemberStatus.TERMINATING)


def ensure_points_active(member: Member, field: tuple[str, ...] = ("input", "memberId")) -> None:
    """InvalidState unless the member may earn and redeem (suspended and terminated may not)."""
    if member.status not in POINTS_STATES:
        raise InvalidState(
            f"A {member.status.value.lower()} member cannot earn or redeem points.", field
        )


async def move_balance(conn: Any, member_id: int, points: int) -> int:
    """Add `points` (signed) to the member's balance unless it would go below zero.

    Returns the balance after the move; raises InsufficientPoints or NotFound.
    """
    moved = (
        await Member.filter(id=member_id, points_balance__gte=-points)
        .using_db(conn)
        .update(points_balance=F("points_balance") + points)
    )
    if not moved:
        exists = await Member.filter(id=member_id).using_db(conn).exists()
        if not exists:
            raise NotFound("No such member.", ("input", "memberId"))
        raise InsufficientPoints("Not enough points.", POINTS_FIELD)
    balance = (
        await Member.filter(id=member_id).using_db(conn).values_list("points_balance", flat=True)
    )
    return int(balance[0])


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
    balance_after = await move_balance(conn, member_id, points)
    entry = await PointsEntry.create(
        member_id=member_id,
        kind=kind,
        points=points,
        balance_after=balance_after,
        reason=reason,
        expires_at=expires_at,
        purpose=purpose,
        purchase_id=purchase_id,
        idempotency_key=idempotency_key,
        created_at=now,
        created_by_id=created_by_id,
        using_db=conn,
    )
    await events.announce(conn, entry)
    return entry


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
    """The member row, read after a no-op write: the write makes this transaction the
    database's writer on SQLite and locks the row on PostgreSQL, before anything is read."""
    touched = (
        await Member.filter(id=member_id).using_db(conn).update(points_balance=F("points_balance"))
    )
    if not touched:
        raise NotFound("No such member.", ("input", "memberId"))
    return await Member.get(id=member_id).using_db(conn)


async def find_replay(member_id: int, idempotency_key: str) -> PointsEntry | None:
    return await PointsEntry.get_or_none(member_id=member_id, idempotency_key=idempotency_key)
