"""The ledger core: guarded balance moves, append-only rows, forfeiture."""

from __future__ import annotations

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.enums import PointsEntryKind
from models.member import Member
from models.points import PointsEntry
from services.clock import utcnow
from services.errors import InsufficientPoints
from services.points import forfeit_balance, post_entry
from tests.factories import make_member


async def _post(member_id: int, kind: PointsEntryKind, points: int, **kw: object) -> PointsEntry:
    async with in_transaction() as conn:
        return await post_entry(conn, member_id, kind, points, utcnow(), **kw)  # type: ignore[arg-type]


async def test_post_entry_moves_balance_and_records_balance_after() -> None:
    member = await make_member()
    first = await _post(member.id, PointsEntryKind.ADJUST, 120, reason="welcome")
    second = await _post(member.id, PointsEntryKind.REDEEM, -20)
    assert (first.balance_after, second.balance_after) == (120, 100)
    assert (await Member.get(id=member.id)).points_balance == 100


async def test_debit_below_zero_raises_and_changes_nothing() -> None:
    member = await make_member()
    await _post(member.id, PointsEntryKind.ADJUST, 10, reason="x")
    with pytest.raises(InsufficientPoints) as raised:
        await _post(member.id, PointsEntryKind.REDEEM, -11)
    assert raised.value.field == ["input", "points"]
    assert (await Member.get(id=member.id)).points_balance == 10
    assert await PointsEntry.filter(member_id=member.id).count() == 1


async def test_repeated_idempotency_key_is_refused_by_the_database() -> None:
    member = await make_member()
    await _post(member.id, PointsEntryKind.ADJUST, 10, reason="x", idempotency_key="k1")
    with pytest.raises(IntegrityError):
        await _post(member.id, PointsEntryKind.ADJUST, 10, reason="x", idempotency_key="k1")
    assert (await Member.get(id=member.id)).points_balance == 10


async def test_ledger_rows_cannot_be_updated_or_deleted() -> None:
    member = await make_member()
    entry = await _post(member.id, PointsEntryKind.ADJUST, 10, reason="x")
    # SQLite reports the trigger as OperationalError, PostgreSQL as asyncpg's RaiseError.
    with pytest.raises(Exception, match="append-only"):
        await PointsEntry.filter(id=entry.id).update(points=1000)
    with pytest.raises(Exception, match="append-only"):
        await PointsEntry.filter(id=entry.id).delete()
    assert (await PointsEntry.get(id=entry.id)).points == 10


async def test_forfeit_balance_posts_one_entry_of_the_whole_balance() -> None:
    member = await make_member()
    await _post(member.id, PointsEntryKind.ADJUST, 75, reason="x")
    async with in_transaction() as conn:
        await forfeit_balance(member.id, utcnow(), conn)
    entries = await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.FORFEIT)
    assert [(e.points, e.balance_after) for e in entries] == [(-75, 0)]


async def test_forfeit_of_zero_balance_posts_nothing() -> None:
    member = await make_member()
    async with in_transaction() as conn:
        await forfeit_balance(member.id, utcnow(), conn)
    assert await PointsEntry.filter(member_id=member.id).count() == 0


async def test_database_refuses_an_entry_with_a_negative_balance() -> None:
    # Given code that bypasses post_entry, the database itself refuses a negative balance.
    member = await make_member()
    with pytest.raises(Exception, match="cannot go below zero"):
        await PointsEntry.create(
            member_id=member.id,
            kind=PointsEntryKind.ADJUST,
            points=-1,
            balance_after=-1,
            created_at=utcnow(),
        )
    assert await PointsEntry.filter(member_id=member.id).count() == 0
