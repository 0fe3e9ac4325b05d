"""Scheduled jobs as the worker runs them (DESIGN §8): when each job is due, the database
lease that lets one worker of several run it, and the record of every run (JobRun).

A job is due at the latest moment at or before `now` its cron expression names in the
business time zone (its slot). A slot runs once: a worker down for a day runs the latest
slot when it is back, not every slot it missed. A job no worker has seen before starts
its schedule then, as a new cron entry does: its first run is its next slot, not a slot
of the past (a whole quarter's tier evaluation, every job at once on a database that
served for years, while the server starts). The lease is one row per job (`job_lease`), claimed by
a conditional UPDATE that only one worker's can match, on SQLite and PostgreSQL alike (no
`SELECT ... FOR UPDATE`, which SQLite ignores). While its job runs the worker renews the
lease; a lease its worker stopped renewing (killed) expires after LEASE, and the next
worker runs the slot again: jobs change nothing twice for one `as_of`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from croniter import croniter
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count

from core.settings import OFF
from models.enums import JobRunStatus
from models.job import JobLease, JobRun
from services.clock import as_utc, utcnow
from services.db import retry_busy, transaction
from services.jobs import JobResult

log = logging.getLogger("memberhub.schedules")

# A worker renews its lease every RENEW_EVERY while its job runs; one not renewed for
# LEASE (its worker was killed) is taken over. Several missed renewals fit in a lease, so
# a worker briefly stalled (a long batch, a busy database) keeps its job.
LEASE = timedelta(minutes=2)
RENEW_EVERY = timedelta(seconds=20)
# Enough of an error's message to say what went wrong, little enough to keep the record small.
ERROR_CHARS = 500
ABANDONED = "Abandoned: the worker running it stopped before it finished (its lease expired)."

JobFunction = Callable[[datetime], Awaitable[JobResult]]


@dataclass(frozen=True)
class Schedule:
    job: str  # the job's name, as `run-job` takes it
    cron: str  # a cron expression in the business time zone, or OFF
    run: JobFunction


def due_slot(cron: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The latest moment (UTC) at or before `now` that `cron` names in the zone `tz`;
    None for a schedule that is off."""
    if cron == OFF:
        return None
    # Cron names whole minutes: the slot strictly before the next minute is the latest
    # one at or before `now`, `now` itself included.
    next_minute = as_utc(now).astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return as_utc(croniter(cron, next_minute).get_prev(datetime))


def next_slot(cron: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first moment (UTC) after `now` that `cron` names in the zone `tz`: when the
    job runs next; None for a schedule that is off."""
    if cron == OFF:
        return None
    return as_utc(croniter(cron, as_utc(now).astimezone(tz)).get_next(datetime))


async def run_due_jobs(
    now: datetime, worker_id: str, schedules: Sequence[Schedule], tz: ZoneInfo
) -> int:
    """Run every job whose latest slot has not run yet, each at most once across all
    workers, as of its slot; returns how many this worker ran. A job that fails is
    recorded FAILED and the others still run (DESIGN §8)."""
    ran = 0
    for schedule in schedules:
        slot = due_slot(schedule.cron, tz, now)
        if slot is None:
            continue
        run = await _claim(schedule.job, slot, now, worker_id)
        if run is None:
            continue
        async with _renewing(run, now):
            outcome = await _execute(run, schedule.run)
        if isinstance(outcome, Exception):
            log.warning("job %s failed: %s", schedule.job, _describe(outcome))
        ran += 1
    return ran


async def run_recorded(job: str, as_of: datetime, run: JobFunction) -> JobResult:
    """Run a job now, outside the schedules (`memberhub run-job`), recorded as a JobRun;
    the job's error, recorded FAILED, is raised again."""
    record = await retry_busy(lambda: _start(job, as_of))
    outcome = await _execute(record, run)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def _execute(record: JobRun, run: JobFunction) -> JobResult | Exception:
    """Run the job of `record` as of its as_of and record how it ended: OK with its counts,
    or FAILED with its error, which is returned rather than raised."""
    try:
        result = await run(record.as_of)
    # The edge of every job: whatever it raised is recorded, so the failure is visible in
    # jobRuns and the worker goes on to its next job and slot.
    except Exception as error:
        await retry_busy(partial(_end, record, JobRunStatus.FAILED, {}, _describe(error)))
        return error
    await retry_busy(partial(_end, record, JobRunStatus.OK, _counts_of(result), None))
    return result


def _describe(error: Exception) -> str:
    """What a FAILED run records of its error: its class and message, never a traceback
    (whose frames' values could hold personal data)."""
    return f"{type(error).__name__}: {error}"[:ERROR_CHARS]


def _counts_of(result: JobResult) -> dict[str, int]:
    counts = {"examined": result.examined, "changed": result.changed}
    if result.erasures_pending is not None:
        counts["erasuresPending"] = result.erasures_pending
    return counts


async def run_counts() -> dict[tuple[str, JobRunStatus], int]:
    """How many runs each job has had, by status: what /metrics reports, the same from
    whichever process it is asked of."""
    rows = (
        await JobRun.annotate(runs=Count("id"))
        .group_by("job", "status")
        .values("job", "status", "runs")
    )
    return {(row["job"], JobRunStatus(row["status"])): row["runs"] for row in rows}


async def _start(job: str, as_of: datetime) -> JobRun:
    async with transaction():
        return await JobRun.create(
            job=job, as_of=as_of, started_at=utcnow(), status=JobRunStatus.RUNNING
        )


async def _end(
    record: JobRun, status: JobRunStatus, counts: dict[str, int], error: str | None
) -> None:
    async with transaction():
        await JobRun.filter(id=record.id).update(
            status=status, counts=counts, error=error, finished_at=utcnow()
        )
        # The slot is done: no later worker runs it again.
        await JobLease.filter(job=record.job, run_id=record.id).update(holder=None, expires_at=None)


async def _claim(job: str, slot: datetime, now: datetime, worker_id: str) -> JobRun | None:
    """The RUNNING record of `job`'s run of `slot` when this worker won its lease; None when
    the slot has run or another worker holds it."""
    try:
        return await retry_busy(lambda: _claim_once(job, slot, now, worker_id))
    except IntegrityError:
        # The primary key of job_lease: another worker claimed the job's first slot.
        return None


async def _claim_once(job: str, slot: datetime, now: datetime, worker_id: str) -> JobRun | None:
    lease = await JobLease.get_or_none(job=job)
    if lease is not None and not _due(lease, slot, now):
        return None  # the common case, every tick of every worker: no write
    if lease is None:
        # The schedule starts here: the slot just past counts as done.
        async with transaction():
            await JobLease.create(job=job, slot=slot)
        return None
    async with transaction():
        if not await _take(lease, slot, now, worker_id):
            return None
        record = await JobRun.create(
            job=job, as_of=slot, started_at=utcnow(), status=JobRunStatus.RUNNING
        )
        await JobLease.filter(job=job).update(run_id=record.id)
        if lease.holder is not None:
            await JobRun.filter(id=lease.run_id, status=JobRunStatus.RUNNING).update(
                status=JobRunStatus.FAILED, finished_at=utcnow(), error=ABANDONED
            )
        return record


def _due(lease: JobLease, slot: datetime, now: datetime) -> bool:
    # A lease held and not expired is its worker's whatever the slot: a job still running
    # when its next slot comes is not started twice.
    free = lease.holder is None or (
        lease.expires_at is not None and as_utc(lease.expires_at) <= now
    )
    later = as_utc(lease.slot) < slot
    abandoned = as_utc(lease.slot) == slot and lease.holder is not None
    return free and (later or abandoned)


async def _take(lease: JobLease, slot: datetime, now: datetime, worker_id: str) -> bool:
    """Claim the lease read as `lease`, by the rule of `_due`: matches only while no other
    worker has claimed it since (its run_id unchanged), so of several workers one wins."""
    unchanged = Q(run_id=lease.run_id) if lease.run_id is not None else Q(run_id__isnull=True)
    free = Q(holder__isnull=True) | Q(expires_at__lte=now)
    due = Q(slot__lt=slot) | Q(slot=slot, holder__isnull=False)
    claimed = await JobLease.filter(unchanged & free & due, job=lease.job).update(
        slot=slot, holder=worker_id, expires_at=now + LEASE
    )
    return bool(claimed)


@asynccontextmanager
async def _renewing(record: JobRun, now: datetime) -> AsyncIterator[None]:
    """Renew the lease of `record`'s run while the block runs. Expiry is reckoned on the
    clock `now` came from, moved on by the time elapsed since."""
    started = time.monotonic()

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY.total_seconds())
            elapsed = timedelta(seconds=time.monotonic() - started)
            await retry_busy(partial(_extend, record, now + elapsed + LEASE))

    renewal = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewal.cancel()
        # A renewal that failed only lets another worker run the slot again once the
        # lease expires, which every job tolerates: nothing to raise.
        await asyncio.gather(renewal, return_exceptions=True)


async def _extend(record: JobRun, expires_at: datetime) -> None:
    async with transaction():
        await JobLease.filter(job=record.job, run_id=record.id).update(expires_at=expires_at)
