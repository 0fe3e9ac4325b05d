"""Rule tags kept in step with their rules: for everyone (the job) or one member (a purchase).

Rules are evaluated by the database (services/tags/sql.py); these statements only
add and remove the assignments whose outcome changed. Each refresh records when it
computed: the refresh of every member on the tag (`TagDefinition.refreshed_at`), the
refresh of one member on the member (`Member.tags_refreshed_at`); an assignment was
last computed at the later of the two (services/tags/explanations.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import F

from core.ids import to_global_id
from models.enums import MemberStatus, TagSource
from models.member import Member
from models.tag import TagDefinition
from services.db import retry_busy, transaction
from services.jobs import JobResult, JobRun, Members, ReportProgress, for_each
from services.tags.rules import Clock, Sql
from services.tags.sql import (
    ActiveRule,
    RuleTag,
    active_rules,
    assigned,
    fetch,
    holding,
    matching_members,
    outcomes,
    tag_condition,
)
from shortcuts.sql import marks


async def sync_tag(conn: Any, tag: RuleTag, clock: Clock) -> int:
    """Make the tag's assignments match its rule for every member; the count changed.

    A member whose assignment was reported wrong stays untagged while the rule still
    holds for them; once it no longer holds, the report stops suppressing (DESIGN §2).
    """
    match = matching_members(tag_condition(tag, clock), clock)
    removed = await _drop_unmatched(conn, tag, match, None)
    added = await _add_matched(conn, tag, clock, match)
    await TagDefinition.filter(id=tag.id).using_db(conn).update(refreshed_at=clock.as_of)
    return removed + added


# What a batch of members changes: for a tag (by its index), the members that carry it,
# or are kept from it by a report, though its rule no longer holds for them (stale), and
# those it holds for that have neither (due).
Difference = tuple[int, list[int], list[int]]


async def _differences(
    tags: Sequence[RuleTag], conditions: list[Sql], clock: Clock, batch: Sequence[int]
) -> list[Difference]:
    """Where the tags of `batch` differ from their rules, read outside any write
    transaction: one statement reads the batch's facts and every rule's outcome, another
    what the batch carries. Most batches differ nowhere, and so take no write lock and
    commit no audit entry: read in a write transaction, every batch held the lock while its
    facts were evaluated (most of the job's time at 100,000 members)."""
    conn = connections.get("default")
    matching = await fetch(conn, holding(conditions, clock, batch))
    settled: dict[tuple[int, bool], set[int]] = {}
    for row in await fetch(conn, assigned([tag.id for tag in tags], batch)):
        settled.setdefault((row["tag_id"], bool(row["suppressing"])), set()).add(row["member_id"])
    found = []
    for index, tag in enumerate(tags):
        matched = {row["id"] for row in matching if row[f"t{index}"]}
        held = settled.get((tag.id, False), set())
        suppressed = settled.get((tag.id, True), set())
        stale = sorted((held | suppressed) - matched)
        due = sorted(matched - held - suppressed)
        if stale or due:
            found.append((index, stale, due))
    return found


async def _write_differences(
    conn: Any,
    tags: Sequence[RuleTag],
    conditions: list[Sql],
    clock: Clock,
    differences: list[Difference],
) -> int:
    """Write `differences` for those members alone, by statements that evaluate each rule
    again as they write: the facts may have changed since they were read."""
    changed = 0
    for index, stale, due in differences:
        tag, condition = tags[index], conditions[index]
        if stale:
            match = matching_members(condition, clock, stale)
            changed += await _drop_unmatched(conn, tag, match, stale)
        if due:
            changed += await _add_matched(conn, tag, clock, matching_members(condition, clock, due))
    return changed


async def _drop_unmatched(
    conn: Any, tag: RuleTag, match: Sql, member_ids: Sequence[int] | None
) -> int:
    """Take the tag off members `match` leaves out, and end their reports' suppression."""
    ids = list(member_ids or ())
    scope = f" AND member_id IN ({marks(len(ids))})" if member_ids is not None else ""
    scoped = (tag.id, *ids)
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
    return len(removed)


async def _add_matched(conn: Any, tag: RuleTag, clock: Clock, match: Sql) -> int:
    """Put the tag on members `match` selects, unless a report suppresses it."""
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
    return len(added)


async def refresh_tag(tag: RuleTag, as_of: datetime) -> int:
    """Bring one rule tag up to date for every member; the number of assignments changed."""
    clock = Clock.at(as_of)

    async def write() -> int:
        async with transaction() as conn:
            return await sync_tag(conn, tag, clock)

    return await retry_busy(write)


async def refresh_member_tags(member_id: int, now: datetime, *, stamped: bool = False) -> None:
    """Re-evaluate every active rule tag for one member as of `now` (called after each
    purchase and profile change), and record `now` as their refresh time (the explanation's
    computedAt). `stamped`: the caller's own write recorded it already (a purchase's, so
    that a purchase whose tags stay as they are costs no second write transaction)."""
    await _refresh_member(await _rule_tags(), member_id, now, stamped)


async def refresh_members_tags(as_of: Mapping[int, datetime]) -> None:
    """`refresh_member_tags` for several members, each as of its own instant."""
    tags = await _rule_tags()
    for member_id, now in as_of.items():
        await _refresh_member(tags, member_id, now, False)


async def _refresh_member(
    tags: list[ActiveRule], member_id: int, now: datetime, stamped: bool
) -> None:
    if not tags:
        return
    clock = Clock.at(now)
    conditions = [tag_condition(tag, clock) for tag in tags]
    ids = [tag.id for tag in tags]
    query = outcomes(conditions, ids, clock, member_id)
    state = (await fetch(connections.get("default"), query))[0]
    # Only a tag whose outcome disagrees with what the member carries needs writing, and
    # only in that direction; each statement evaluates the rule again as it writes.
    stale = [
        (tag, bool(state[f"t{index}"]))
        for index, tag in enumerate(tags)
        if bool(state[f"t{index}"]) != bool(state[f"s{index}"])
    ]
    if not stale and stamped:
        return

    async def write() -> None:
        async with transaction() as conn:
            for tag, holds in stale:
                match = matching_members(tag_condition(tag, clock), clock, [member_id])
                if holds:
                    await _add_matched(conn, tag, clock, match)
                else:
                    await _drop_unmatched(conn, tag, match, [member_id])
            # Written when nothing changed too: a tag explanation's computedAt (DESIGN §9).
            if not stamped:
                await (
                    Member.filter(id=member_id).using_db(conn).update(tags_refreshed_at=clock.as_of)
                )

    await retry_busy(write)


async def run_tag_refresh(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Recompute every active rule tag for all members as of `as_of` (DESIGN §2 "Tags").

    Running it again for the same `as_of` changes nothing.
    """
    run = JobRun("tag-refresh", as_of)
    tags = await _rule_tags()
    clock = Clock.at(as_of)
    targets = [to_global_id("TagDefinition", tag.id) for tag in tags]

    # Terminated members are not visited: their tags went at termination.
    members = Members(Member.exclude(status=MemberStatus.TERMINATED), key="id")
    if not tags:
        return run.result(await members.count(), 0)

    conditions = [tag_condition(tag, clock) for tag in tags]

    async def sync_batch(batch: Sequence[int]) -> tuple[list[str], int]:
        differences = await _differences(tags, conditions, clock, batch)
        if not differences:
            return targets, 0

        async def write() -> int:
            async with transaction() as conn:
                return await _write_differences(conn, tags, conditions, clock, differences)

        return targets, await retry_busy(write)

    examined, changed = await for_each(run, members, sync_batch, progress)

    # Once every member is: a run cut short leaves the tags' refresh time as it was.
    async def stamp() -> tuple[list[str], int]:
        async with transaction() as conn:
            ids = [tag.id for tag in tags]
            await TagDefinition.filter(id__in=ids).using_db(conn).update(refreshed_at=as_of)
        return targets, 0

    await run.audited(stamp)
    return run.result(examined, changed)


async def _rule_tags() -> list[ActiveRule]:
    return await active_rules(connections.get("default"))
