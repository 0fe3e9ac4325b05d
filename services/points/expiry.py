"""Points expiry: the daily job and the "expiring soon" figure (DESIGN §2 "Expiry")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from core.ids import to_global_id
from models.enums import PointsEntryKind
from models.points import PointsEntry
from services.db import retry_busy, transaction
from services.jobs import JobResult, JobRun, Members, ReportProgress, for_each
from services.points.ledger import Posting, locked_members, post_for_locked_members
from services.points.lots import Lot, lapsed_points, open_lots
from shortcuts.shapes import rows_in

# Members a batch expires in one transaction: its posting is short, its lock, lots and
# audit entry are paid once a batch.
BATCH_SIZE = 200

# What replaying a ledger reads of each entry (its reason and audit columns it does not).
_LOT_FIELDS = ("id", "member_id", "kind", "points", "expires_at", "purchase_id")


async def lots_of(member_ids: Sequence[int], conn: Any = None) -> dict[int, list[Lot]]:
    """Every member's open lots, replayed from their entries in one query."""
    entries: dict[int, list[PointsEntry]] = {member_id: [] for member_id in member_ids}
    for entry in await rows_in(PointsEntry, "member_id", member_ids, ("id",), conn, _LOT_FIELDS):
        entries[entry.member_id].append(entry)
    return {member_id: open_lots(member_entries) for member_id, member_entries in entries.items()}


async def run_points_expiry(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Expire the unconsumed remainder of every lot past its expiry at `as_of`:
    one EXPIRE entry per member; a second run with the same `as_of` posts nothing."""
    run = JobRun("points-expiry", as_of)
    as_of = run.as_of
    # Open lots always sum to the balance, so a member at zero has nothing to expire.
    candidates = Members(
        PointsEntry.filter(
            kind=PointsEntryKind.EARN, expires_at__lt=as_of, member__points_balance__gt=0
        )
    )
    expire = partial(_expire, as_of=as_of)
    return run.result(*await for_each(run, candidates, expire, progress, batch_size=BATCH_SIZE))


async def _expire(member_ids: Sequence[int], as_of: datetime) -> tuple[list[str], int]:
    """One EXPIRE entry for each of `member_ids` with lapsed points, in one transaction:
    the batch's locks and lots read once (a member at a time, the job at 100,000 members
    took 94 s)."""

    async def run() -> list[int]:
        async with transaction() as conn:
            # Locked first: the lots read next cannot change before the EXPIREs are posted.
            members = await locked_members(conn, member_ids)
            lots = await lots_of(member_ids, conn)
            postings = []
            for member in sorted(members, key=lambda member: member.id):
                lapsed = lapsed_points(lots[member.id], as_of)
                if lapsed:
                    reason = f"{lapsed} points past their expiry"
                    postings.append(Posting(member, -lapsed, reason))
            await post_for_locked_members(conn, PointsEntryKind.EXPIRE, postings, as_of)
            return [posting.member.id for posting in postings]

    expired = await retry_busy(run)
    return [to_global_id("Member", member_id) for member_id in expired], len(expired)
