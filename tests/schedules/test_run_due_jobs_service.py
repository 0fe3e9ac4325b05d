"""The worker's runs of due jobs, called directly with a passed clock: each slot runs once,
recorded as a JobRun with its counts or its error."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import schedules as app_schedules
from app.jobs import JOBS
from models.enums import JobRunStatus
from models.job import JobLease, JobRun
from services.jobs import JobResult
from services.schedules import LEASE, Schedule, run_due_jobs
from tests.schedules.jobs import Failing, Recorder

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURLY = "0 * * * *"
# 10:30 in Shanghai: the hourly slot due is 10:00 local, 02:00 UTC.
NOW = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
SLOT = datetime(2026, 3, 10, 2, tzinfo=UTC)


async def run(now: datetime, *schedules: Schedule, worker: str = "worker-1") -> int:
    return await run_due_jobs(now, worker, schedules, SHANGHAI)


async def test_a_due_job_runs_as_of_its_slot_and_is_recorded_ok_with_its_counts():
    job = Recorder("terminations", examined=7, changed=2)
    assert await run(NOW, Schedule("terminations", HOURLY, job)) == 1
    assert job.runs == [SLOT]
    (record,) = await JobRun.all()
    assert (record.job, record.status, record.as_of) == ("terminations", JobRunStatus.OK, SLOT)
    assert record.counts == {"examined": 7, "changed": 2}
    assert record.error is None
    assert record.finished_at is not None and record.finished_at >= record.started_at


async def test_a_slot_runs_once():
    job = Recorder("terminations")
    schedule = Schedule("terminations", HOURLY, job)
    await run(NOW, schedule)
    assert await run(NOW + timedelta(minutes=20), schedule, worker="worker-2") == 0
    assert job.runs == [SLOT]
    # The next slot runs.
    assert await run(NOW + timedelta(hours=1), schedule) == 1
    assert job.runs == [SLOT, SLOT + timedelta(hours=1)]


async def test_slots_missed_while_no_worker_ran_run_once_as_of_the_latest():
    job = Recorder("terminations")
    schedule = Schedule("terminations", HOURLY, job)
    await run(NOW, schedule)
    # A day without a worker: 24 hourly slots missed.
    assert await run(NOW + timedelta(days=1), schedule) == 1
    assert job.runs == [SLOT, SLOT + timedelta(days=1)]
    assert await JobRun.all().count() == 2


async def test_a_failing_job_is_recorded_failed_and_the_next_slot_and_job_still_run():
    # Given a job that fails and one that works, due at the same tick.
    other = Recorder("tag-refresh")
    ran = await run(
        NOW, Schedule("terminations", HOURLY, Failing()), Schedule("tag-refresh", HOURLY, other)
    )
    # Then both ran, the failure recorded with its class and message.
    assert ran == 2
    assert other.runs == [SLOT]
    failed = await JobRun.get(job="terminations")
    assert failed.status is JobRunStatus.FAILED
    assert failed.error == "RuntimeError: no partition for 2026-03"
    assert failed.counts == {}
    assert failed.finished_at is not None
    # When the next slot comes, the job runs again (and works this time).
    fixed = Recorder("terminations")
    assert await run(NOW + timedelta(hours=1), Schedule("terminations", HOURLY, fixed)) == 1
    assert fixed.runs == [SLOT + timedelta(hours=1)]


@pytest.mark.first_sight
async def test_off_runs_nothing():
    job = Recorder("terminations")
    assert await run(NOW, Schedule("terminations", "off", job)) == 0
    assert job.runs == []
    assert await JobRun.all().count() == 0
    assert await JobLease.all().count() == 0


@pytest.mark.first_sight
async def test_a_job_still_running_is_not_started_again_when_its_next_slot_comes():
    # Given a lease held by a live worker for the 10:00 slot (renewed, not expired).
    await JobLease.create(
        job="terminations", slot=SLOT, holder="worker-1", expires_at=NOW + timedelta(hours=2)
    )
    job = Recorder("terminations")
    # When the 11:00 slot is due, then no other worker starts it meanwhile.
    assert (
        await run(NOW + timedelta(hours=1), Schedule("terminations", HOURLY, job), worker="w2") == 0
    )
    assert job.runs == []


@pytest.mark.first_sight
async def test_an_expired_lease_is_taken_over_and_its_run_recorded_abandoned():
    # Given a worker that claimed the slot and stopped (its run RUNNING, its lease ending).
    abandoned = await JobRun.create(
        job="terminations", as_of=SLOT, started_at=NOW, status=JobRunStatus.RUNNING
    )
    await JobLease.create(
        job="terminations",
        slot=SLOT,
        holder="worker-1",
        expires_at=NOW + LEASE,
        run_id=abandoned.id,
    )
    job = Recorder("terminations")
    schedule = Schedule("terminations", HOURLY, job)
    # When another worker looks before the lease ends, it leaves the job alone.
    assert await run(NOW + LEASE - timedelta(seconds=1), schedule, worker="worker-2") == 0
    # When it looks after, it runs the slot, and records the stopped run as abandoned.
    assert await run(NOW + LEASE, schedule, worker="worker-2") == 1
    assert job.runs == [SLOT]
    await abandoned.refresh_from_db()
    assert abandoned.status is JobRunStatus.FAILED
    assert abandoned.error is not None and "lease expired" in abandoned.error
    lease = await JobLease.get(job="terminations")
    assert (lease.holder, lease.expires_at) == (None, None)


async def test_the_worker_runs_every_job_of_jobs_on_its_schedule():
    # The real jobs, on an empty database, from the schedules the settings give.
    assert await app_schedules.run_due_jobs(NOW, "worker-1") == len(JOBS)
    runs = await JobRun.all().order_by("job")
    assert [run.job for run in runs] == sorted(JOBS)
    assert {run.status for run in runs} == {JobRunStatus.OK}
    terminations = next(run for run in runs if run.job == "terminations")
    assert terminations.counts == {"examined": 0, "changed": 0, "erasuresPending": 0}
    # The next tick in the same hour finds nothing due.
    assert await app_schedules.run_due_jobs(NOW + timedelta(minutes=1), "worker-2") == 0


async def test_a_running_job_renews_its_lease(monkeypatch):
    # Given renewals as often as the loop allows, when a job runs long enough to see one,
    # then its lease reaches past the first LEASE (a live worker keeps its job).
    monkeypatch.setattr("services.schedules.RENEW_EVERY", timedelta(0))
    seen: list[datetime] = []

    async def long_job(as_of: datetime) -> JobResult:
        for _ in range(1000):
            await asyncio.sleep(0)
            lease = await JobLease.get(job="tag-refresh")
            assert lease.expires_at is not None
            if lease.expires_at > NOW + LEASE:
                seen.append(lease.expires_at)
                break
        return JobResult("tag-refresh", as_of, 0, 0, 1.0)

    assert await run(NOW, Schedule("tag-refresh", HOURLY, long_job)) == 1
    assert seen


@pytest.mark.first_sight
async def test_a_job_first_seen_starts_its_schedule_at_its_next_slot():
    # Given a job no worker has seen (a new database, or a new job after an upgrade),
    job = Recorder("terminations")
    schedule = Schedule("terminations", HOURLY, job)
    # when a worker first sees it, nothing runs: the slot just past is not run late,
    assert await run(NOW, schedule) == 0
    assert await run(NOW + timedelta(minutes=20), schedule, worker="worker-2") == 0
    assert job.runs == [] and not await JobRun.exists()
    # and its next slot is its first run.
    assert await run(NOW + timedelta(hours=1), schedule) == 1
    assert job.runs == [SLOT + timedelta(hours=1)]
