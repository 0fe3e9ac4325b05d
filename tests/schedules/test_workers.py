"""Workers in processes of their own on one database (SQLite file or PostgreSQL): each due
slot runs once however many workers look, and a worker killed mid-job leaves a lease
that expires, after which another worker runs the slot."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models.enums import JobRunStatus
from models.job import JobRun
from services.schedules import LEASE, Schedule, run_due_jobs
from tests.processes import ROOT, database_url
from tests.schedules.jobs import Recorder
from tests.schedules.worker_process import CRON, JOB, ZONE

# 02:30 in Shanghai: the daily 02:00 slot is due.
NOW = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)
SLOT = datetime(2026, 3, 10, 18, tzinfo=UTC)


def start_worker(worker: str, mode: str, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.schedules.worker_process", NOW.isoformat(), worker, mode]
        + [str(out)],
        cwd=ROOT,
        env={**os.environ, "MEMBERHUB_DATABASE_URL": database_url()},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def expect_line(process: subprocess.Popen[str], expected: str) -> str:
    assert process.stdout is not None and process.stderr is not None
    line = await asyncio.to_thread(process.stdout.readline)
    if not line.startswith(expected):
        process.kill()
        raise AssertionError(f"expected {expected!r}, got {line!r}: {process.stderr.read()}")
    return line.strip()


async def go(workers: list[subprocess.Popen[str]]) -> None:
    """Let every worker run, once each has its database open."""
    for worker in workers:
        await expect_line(worker, "ready")
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()


async def test_two_workers_on_one_database_run_a_due_job_once(tmp_path):
    out = tmp_path / "runs.txt"
    workers = [start_worker(f"worker-{n}", "record", out) for n in (1, 2)]
    try:
        await go(workers)
        lines = [await expect_line(worker, "ran ") for worker in workers]
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.wait, 60)
    # One of them ran it, once, as of the slot; the other found it taken.
    assert sorted(lines) == ["ran 0", "ran 1"]
    (run,) = out.read_text(encoding="utf-8").splitlines()
    assert run.endswith(SLOT.isoformat())
    (record,) = await JobRun.all()
    assert (record.job, record.status, record.as_of) == (JOB, JobRunStatus.OK, SLOT)


async def test_the_lease_of_a_killed_worker_expires_and_another_runs_the_job(tmp_path):
    # Given a worker killed with kill -9 while it runs the job.
    worker = start_worker("doomed", "hang", tmp_path / "unused.txt")
    try:
        await go([worker])
        await expect_line(worker, "started")
    finally:
        worker.kill()
        await asyncio.to_thread(worker.wait, 60)
    recorder = Recorder(JOB)
    schedule = Schedule(JOB, CRON, recorder)
    # When another worker looks while the lease lasts, it leaves the job alone.
    assert await run_due_jobs(NOW + timedelta(minutes=1), "survivor", [schedule], ZONE) == 0
    # When the lease has expired, it runs the slot.
    later = NOW + LEASE + timedelta(minutes=1)
    assert await run_due_jobs(later, "survivor", [schedule], ZONE) == 1
    assert recorder.runs == [SLOT]
    killed, survived = await JobRun.all().order_by("id")
    assert killed.status is JobRunStatus.FAILED
    assert killed.error is not None and "lease expired" in killed.error
    assert (survived.status, survived.as_of) == (JobRunStatus.OK, SLOT)
