"""Rule tags kept in step with their rules: for everyone (the job) or one member (a purchase).

Rules are evaluated by the database (services/tags/sql.py); these statements only
add and remove the assignments whose outcome changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from app.progress import Progress
from models.enums import MemberStatus, TagSource, TagStatus
from models.member import Member
from models.tag import MemberTag, TagDefinition, TagErrorReport
from services.db import retry_busy
from services.jobs import JobResult, JobTimer
from services.tags.rules import Clock, Sql
from services.tags.sql import fetch, matching_members, outcomes, tag_condition


async def sync_tag(
    conn: Any, tag: TagDefinition, clock: Clock, member_id: int | None = None
) -> int:
    """Make the tag's assignments match its rule (for one member if given); the count changed.

    A member whose assignment was reported wrong stays untagged while the rule still
    holds for them; once it no longer holds, the report stops suppressing (DESIGN §2).
    """
    match = matching_members(tag_condition(tag, clock), clock, member_id)
    scope = " AND member_id = ?" if member_id is not None else ""
    scoped = (tag.id, member_id) if member_id is not None else (tag.id,)
    removed = await fetch(
        conn,
        Sql(
            f"DELETE FROM member_tag WHERE tag_id = ?{scope} AND member_id NOT IN ({match.text})"
            " RETURNING member_id",
            scoped + match.params,
        ),
    )
    await fetch(
        conn,
        Sql(
            f"UPDATE tag_error_report SET suppressing = FALSE WHERE tag_id = ?{scope}"
            f" AND suppressing IS TRUE AND member_id NOT IN ({match.text})",
            scoped + match.params,
        ),
    )
    added = await fetch(
        conn,
        Sql(
            "INSERT INTO member_tag (member_id, tag_id, source, assigned_at)"
            f" SELECT x.id, ?, ?, ? FROM ({match.text}) x WHERE NOT EXISTS ("
            " SELECT 1 FROM tag_error_report r"
            " WHERE r.tag_id = ? AND r.member_id = x.id AND r.suppressing IS TRUE)"
            " ON CONFLICT (member_id, tag_id) DO NOTHING RETURNING member_id",
            (tag.id, TagSource.RULE.value, clock.as_of, *match.params, tag.id),
        ),
    )
    if added:
        await (
            TagDefinition.filter(id=tag.id)
            .using_db(conn)
            .update(assignments_total=F("assignments_total") + len(added))
        )
    return len(removed) + len(added)


async def refresh_tag(tag: TagDefinition, as_of: datetime) -> int:
    """Bring one rule tag up to date for every member; the number of assignments changed."""
    clock = Clock.at(as_of)

    async def write() -> int:
        async with in_transaction() as conn:
            return await sync_tag(conn, tag, clock)

    return await retry_busy(write)


async def refresh_member_tags(member_id: int, now: datetime) -> None:
    """Re-evaluate every active rule tag for one member (called after each purchase)."""
    tags = await _rule_tags()
    if not tags:
        return
    clock = Clock.at(now)
    ids = [tag.id for tag in tags]
    conditions = [tag_condition(tag, clock) for tag in tags]
    rows = await fetch(connections.get("default"), outcomes(conditions, clock, member_id))
    holds = rows[0] if rows else {}
    carried = set(
        await MemberTag.filter(member_id=member_id, tag_id__in=ids).values_list("tag_id", flat=True)
    )
    suppressed = set(
        await TagErrorReport.filter(
            member_id=member_id, tag_id__in=ids, suppressing=True
        ).values_list("tag_id", flat=True)
    )
    settled = carried | suppressed
    stale = [
        tag for index, tag in enumerate(tags) if bool(holds.get(f"t{index}")) != (tag.id in settled)
    ]
    if not stale:
        return

    async def write() -> None:
        async with in_transaction() as conn:
            for tag in stale:
                await sync_tag(conn, tag, clock, member_id)

    await retry_busy(write)


async def run_tag_refresh(as_of: datetime, progress: bool = False) -> JobResult:
    """Recompute every active rule tag for all members as of `as_of` (DESIGN §2 "Tags").

    Running it again for the same `as_of` changes nothing.
    """
    timer = JobTimer()
    tags = await _rule_tags()
    examined = await Member.exclude(status=MemberStatus.TERMINATED).count()
    bar = Progress(len(tags), "tag-refresh") if progress else None
    changed = 0
    for tag in tags:
        changed += await refresh_tag(tag, as_of)
        if bar:
            bar.advance()
    return timer.result("tag-refresh", Clock.at(as_of).as_of, examined, changed)


async def _rule_tags() -> list[TagDefinition]:
    return await TagDefinition.filter(status=TagStatus.ACTIVE, rule__isnull=False).order_by("id")
