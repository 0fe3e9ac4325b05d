"""What every scheduled job reports (the contract's JobReport), and how a job's changes
are committed: in batches, each audited in its own transaction (DESIGN §4)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.enums import AuditOutcome
from models.member import Member
from services import audit
from services.clock import as_utc, utcnow
from services.units import unit_of_work
from services.validation import check_moment

# Members a job changes in one transaction: a crash keeps every batch committed before
# it, and a batch holds the write lock briefly enough for requests to pass in between.
BATCH = 50
# Member ids a job reads at a time: its memory stays the same at any number of members.
PAGE = 1000

# Longer than a waiting writer's poll of the lock (shortcuts/sqlite.py LOCK_POLL_S).
BATCH_PAUSE_S = 0.002

# How far a job has come: called with (done, total) when it starts and as it goes. The CLI
# passes one that draws a terminal bar; the API passes none.
ReportProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobResult:
    job: str
    as_of: datetime
    examined: int
    changed: int
    duration_ms: float
    # Terminations only: erasures whose values may still be on disk (retried until gone).
    erasures_pending: int | None = None


@dataclass
class JobRun:
    """One run of a job: its clock, and the id its audit entries share."""

    job: str
    as_of: datetime
    started: float = field(default_factory=time.perf_counter)
    run_id: str = field(default_factory=lambda: f"job-{uuid.uuid4().hex}")

    def __post_init__(self) -> None:
        # Before the job reads or writes anything: a moment outside the years every date
        # input keeps to (DESIGN §2) is Invalid at asOf.
        check_moment(self.as_of, ("asOf",))
        self.as_of = as_utc(self.as_of)

    def result(
        self,
        examined: int,
        changed: int,
        *,
        as_of: datetime | None = None,
        erasures_pending: int | None = None,
    ) -> JobResult:
        elapsed = (time.perf_counter() - self.started) * 1000
        as_of = as_of or self.as_of
        return JobResult(self.job, as_of, examined, changed, elapsed, erasures_pending)

    def entry(self, targets: Sequence[str], changed: int) -> audit.Entry:
        """The audit entry of one committed batch: what the job changed, as of when."""
        return audit.Entry(
            at=utcnow(),
            actor_type="SYSTEM",
            actor_id=None,
            roles=[],
            operation_type="job",
            operation_name=self.job,
            fields_=[self.job],
            variables={"asOf": as_utc(self.as_of).isoformat(), "changed": changed},
            target_ids=list(targets),
            sensitive_fields=[],
            outcome=AuditOutcome.OK,
            error_codes=[],
            ip=None,
            user_agent=None,
            request_id=self.run_id,
            duration_ms=(time.perf_counter() - self.started) * 1000,
        )

    async def audited(self, work: Callable[[], Awaitable[tuple[list[str], int]]]) -> Audited:
        """Run `work` as one unit of work, committed with an entry naming what it changed:
        `work` returns the global ids of the records it changed and how many changes it
        made."""
        async with unit_of_work(audit.chain) as unit:
            targets, changed = await work()
            wrote = unit.begun  # even what it does not count (a report's suppression)
            if wrote:
                await unit.commit([self.entry(targets, changed)])
        return Audited(changed, wrote)


class Audited(NamedTuple):
    changed: int  # as the work counted its changes
    wrote: bool  # whether it took the write lock at all


class Page(NamedTuple):
    members: list[int]  # those of the page the job visits
    spanned: int  # the ids the page went through, for progress


class Members:
    """Whom a job visits: the members `rows` belong to (their `key` column), each once and
    in id order, read PAGE members at a time after the last one read (`id > last ORDER BY
    id LIMIT PAGE`), so a job at any scale holds one page of ids, never all of them."""

    def __init__(self, rows: QuerySet[Any], key: str = "member_id") -> None:
        self.rows = rows
        self.key = key

    async def count(self) -> int:
        """How many ids the pages go through: the total a job's progress reports against."""
        return await (self.rows if self.key == "id" else Member.all()).count()

    async def pages(self) -> AsyncIterator[Page]:
        if self.key == "id":
            async for page in _id_pages(self.rows):
                yield Page(page, len(page))
            return
        # Members a page at a time, then theirs among the rows through the rows' index by
        # member: ordering the rows themselves by member, or counting their members, read
        # every row (points expiry at 100,000 members: 7 s a page, 12 s the count).
        async for span in _id_pages(Member.all()):
            due = await (
                self.rows.filter(**{f"{self.key}__in": span})
                .distinct()
                .order_by(self.key)
                .values_list(self.key, flat=True)
            )
            yield Page(due, len(span))  # type: ignore[arg-type]


async def _id_pages(rows: QuerySet[Any]) -> AsyncIterator[list[int]]:
    """The ids of `rows` in order, PAGE at a time (`id > last ORDER BY id LIMIT PAGE`)."""
    last = 0
    while True:
        after = rows.filter(id__gt=last).order_by("id").limit(PAGE)
        page = await after.values_list("id", flat=True)
        if not page:
            return
        # Tortoise types values_list as tuples, flat=True or not.
        yield page  # type: ignore[misc]
        last = page[-1]  # type: ignore[assignment]


# What a job does with one batch of members inside its transaction: the global ids of
# the records it changed, and how many changes it made.
BatchStep = Callable[[Sequence[int]], Awaitable[tuple[list[str], int]]]


def each_member(step: Callable[[int], Awaitable[bool | int]]) -> BatchStep:
    """A batch step running `step` for each member of the batch; the members it changed."""

    async def batch_step(batch: Sequence[int]) -> tuple[list[str], int]:
        changed = [member_id for member_id in batch if await step(member_id)]
        return [to_global_id("Member", member_id) for member_id in changed], len(changed)

    return batch_step


async def for_each(
    run: JobRun,
    members: Members,
    step: BatchStep,
    progress: ReportProgress | None,
    pick: Callable[[list[int]], Awaitable[list[int]]] | None = None,
    batch_size: int = BATCH,
) -> tuple[int, int]:
    """Visit `members` a page at a time: `pick` narrows each page to the members due (read
    outside any write transaction), then `step` runs `batch_size` members a transaction audited
    with what it changed. Reports progress after each page; returns how many members
    were visited and how many changes were made.

    After each batch that wrote it pauses BATCH_PAUSE_S: another process waiting for the
    write lock (a server's request) takes it then, rather than finding it taken by the
    next batch."""
    total = await members.count()
    if progress is not None:
        progress(0, total)
    spanned = visited = changed = 0
    async for page, span in members.pages():
        due = page if pick is None else await pick(page)
        for start in range(0, len(due), batch_size):
            batch = due[start : start + batch_size]
            done = await run.audited(partial(step, batch))
            changed += done.changed
            # A batch that only read ran wholly in place: the loop's other tasks (the
            # worker's lease renewal, a Ctrl-C) get their turn.
            await asyncio.sleep(BATCH_PAUSE_S if done.wrote else 0)
        visited += len(page)
        spanned += span
        # Members added since the count: the total grows rather than the bar overflowing.
        total = max(total, spanned)
        if progress is not None:
            progress(spanned, total)
    return visited, changed
