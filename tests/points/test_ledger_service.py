"""The ledger core: guarded balance moves, append-only rows, forfeiture."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.enums import MemberStatus, PointsEntryKind, RedemptionPurpose, Role
from models.member import Member
from models.points import LEDGER_FACTS, PointsEntry
from services.clock import utcnow
from services.errors import InsufficientPoints
from services.points import forfeit_balance, post_entry
from services.points.ledger import Posting, locked_members, post_for_locked_members
from tests.campaigns.helpers import approved
from tests.conftest import make_staff
from tests.factories import make_member, make_purchase


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


async def test_postings_for_locked_members_move_each_balance_and_record_each_entry() -> None:
    members = [await make_member() for _ in range(3)]
    for member, points in zip(members, (30, 40, 50), strict=True):
        await _post(member.id, PointsEntryKind.ADJUST, points, reason="welcome")
    async with in_transaction() as conn:
        locked = sorted(await locked_members(conn, [m.id for m in members]), key=lambda m: m.id)
        postings = [Posting(m, -10 * (i + 1), f"expired {i}") for i, m in enumerate(locked)]
        entries = await post_for_locked_members(conn, PointsEntryKind.EXPIRE, postings, utcnow())
    assert [m.points_balance for m in locked] == [20, 20, 20]
    stored = {e.id: e for e in await PointsEntry.filter(kind=PointsEntryKind.EXPIRE).order_by("id")}
    assert [
        (stored[e.id].member_id, stored[e.id].points, stored[e.id].balance_after, e.reason)
        for e in entries
    ] == [(m.id, -10 * (i + 1), 20, f"expired {i}") for i, m in enumerate(locked)]
    assert [(await Member.get(id=m.id)).points_balance for m in members] == [20, 20, 20]


async def test_postings_refuse_a_debit_below_zero_before_writing_anything() -> None:
    rich, poor = await make_member(), await make_member()
    await _post(rich.id, PointsEntryKind.ADJUST, 50, reason="x")
    await _post(poor.id, PointsEntryKind.ADJUST, 5, reason="x")
    with pytest.raises(InsufficientPoints):
        async with in_transaction() as conn:
            locked = await locked_members(conn, [rich.id, poor.id])
            postings = [Posting(m, -10) for m in sorted(locked, key=lambda m: m.id)]
            await post_for_locked_members(conn, PointsEntryKind.EXPIRE, postings, utcnow())
    assert [(await Member.get(id=m.id)).points_balance for m in (rich, poor)] == [50, 5]
    assert not await PointsEntry.filter(kind=PointsEntryKind.EXPIRE).exists()


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


async def test_erasure_may_clear_a_ledger_rows_reason_and_nothing_else() -> None:
    # Given an entry with staff's free text about the member,
    member = await make_member()
    entry = await _post(member.id, PointsEntryKind.ADJUST, 10, reason="欧阳娜娜 投诉补偿")
    # a reason is never rewritten, and cleared only once the member is terminated
    with pytest.raises(Exception, match="append-only"):
        await PointsEntry.filter(id=entry.id).update(reason="something else")
    with pytest.raises(Exception, match="append-only"):
        await PointsEntry.filter(id=entry.id).update(reason=None)
    await Member.filter(id=member.id).update(status=MemberStatus.TERMINATED)
    await PointsEntry.filter(id=entry.id).update(reason=None)
    cleared = await PointsEntry.get(id=entry.id)
    assert (cleared.reason, cleared.points, cleared.balance_after) == (None, 10, 10)  # type: ignore[comparison-overlap]


async def _other_values(entry: PointsEntry) -> dict[str, Any]:
    """A different value for each of the ledger's facts."""
    other = await make_member()
    staff = await make_staff(Role.ADMIN)
    purchase = await make_purchase(other, "10.00", utcnow())
    campaign = await approved()
    return {
        "id": entry.id + 1000,
        "member_id": other.id,
        "kind": PointsEntryKind.REDEEM,
        "points": 11,
        "balance_after": 11,
        "purpose": RedemptionPurpose.GIFT,
        "expires_at": utcnow() + timedelta(days=30),
        "purchase_id": purchase.id,
        "campaign_id": campaign.id,
        "idempotency_key": "another-key",
        "created_at": utcnow() + timedelta(days=1),
        "created_by_id": staff.id,
    }


async def test_the_guards_list_every_column_but_the_reason() -> None:
    entry = await _post((await make_member()).id, PointsEntryKind.ADJUST, 10, reason="x")
    columns = set(PointsEntry._meta.db_fields) - {"reason"}
    assert set(LEDGER_FACTS) == columns == set(await _other_values(entry))


@pytest.mark.parametrize("column", LEDGER_FACTS)
async def test_every_other_change_to_a_ledger_row_is_refused(column: str) -> None:
    member = await make_member(status=MemberStatus.TERMINATED)
    entry = await _post(member.id, PointsEntryKind.ADJUST, 10, reason="x")
    value = (await _other_values(entry))[column]
    # Not even together with clearing the reason; in SQL, as any code could send it.
    conn = connections.get("default")
    sqlite = conn.capabilities.dialect == "sqlite"
    if isinstance(value, Enum):
        value = value.value
    elif isinstance(value, datetime) and sqlite:
        value = value.isoformat()
    first, second = ("?", "?") if sqlite else ("$1", "$2")
    update = f'UPDATE points_entry SET "{column}" = {first}, reason = NULL WHERE id = {second}'
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_query(update, [value, entry.id])
    assert (await PointsEntry.get(id=entry.id)).reason == "x"


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
