"""What every scheduled job reports (the contract's JobReport), and how a job's changes
are committed: in batches, each audited in its own transaction (DESIGN §4)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.enums import AuditOutcome
from services import audit
from services.clock import as_utc, utcnow
from services.units import unit_of_work
from services.validation import check_moment

# Members a job changes in one transaction: a crash keeps every batch committed before
# it, and a batch holds the write lock briefly enough for requests to pass in between.
BATCH = 50

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

    async def audited(self, work: Callable[[], Awaitable[tuple[list[str], int]]]) -> int:
        """Run `work` as one unit of work, committed with an entry naming what it changed:
        `work` returns the global ids of the records it changed and how many changes it
        made. Returns that number."""
        async with unit_of_work(audit.chain) as unit:
            targets, changed = await work()
            if unit.begun:  # it wrote: even what it does not count (a report's suppression)
                await unit.commit([self.entry(targets, changed)])
        return changed


async def members_of(rows: QuerySet[Any]) -> list[int]:
    """The members `rows` belong to, each once and in id order: whom a job visits."""
    found = await rows.distinct().order_by("member_id").values_list("member_id", flat=True)
    # Tortoise types values_list as tuples, flat=True or not.
    return found  # type: ignore[return-value]


async def for_each(
    run: JobRun,
    member_ids: Sequence[int],
    step: Callable[[int], Awaitable[bool | int]],
    progress: ReportProgress | None,
) -> int:
    """Run `step` for each member in order, BATCH members a transaction audited with the
    members it changed; reports progress after each batch; returns how many changed."""
    if progress is not None:
        progress(0, len(member_ids))
    changed = 0
    for start in range(0, len(member_ids), BATCH):
        batch = member_ids[start : start + BATCH]

        async def work(batch: Sequence[int] = batch) -> tuple[list[str], int]:
            changed = [member_id for member_id in batch if await step(member_id)]
            return [to_global_id("Member", member_id) for member_id in changed], len(changed)

        changed += await run.audited(work)
        if progress is not None:
            progress(start + len(batch), len(member_ids))
    return changed
