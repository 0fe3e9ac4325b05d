"""A worker of the schedule tests, in a process of its own on the test's database:

    python -m tests.schedules.worker_process NOW WORKER_ID JOB_MODE OUT_FILE

prints `ready` once the database is open, waits for a line on stdin (so the test starts
several workers' runs at once), runs the due jobs once as of NOW and prints `ran N`. The
one job, tag-refresh daily at 02:00 in Shanghai, either appends WORKER_ID to OUT_FILE
(`record`) or prints `started` and never ends (`hang`, for the kill -9 test)."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.settings import get_settings
from models.db import close_db, init_db
from services.jobs import JobResult
from services.schedules import Schedule, run_due_jobs

JOB = "tag-refresh"
CRON = "0 2 * * *"
ZONE = ZoneInfo("Asia/Shanghai")


def job_of(mode: str, worker: str, out: Path) -> Schedule:
    async def record(as_of: datetime) -> JobResult:
        with out.open("a", encoding="utf-8") as file:
            file.write(f"{worker} {as_of.isoformat()}\n")
        return JobResult(JOB, as_of, 1, 1, 1.0)

    async def hang(as_of: datetime) -> JobResult:
        print("started", flush=True)
        await asyncio.Event().wait()
        raise AssertionError("unreachable: the test kills this process")

    return Schedule(JOB, CRON, record if mode == "record" else hang)


async def main(now: datetime, worker: str, mode: str, out: Path) -> None:
    await init_db(get_settings().database_url)
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        ran = await run_due_jobs(now, worker, [job_of(mode, worker, out)], ZONE)
        print(f"ran {ran}", flush=True)
    finally:
        await close_db()


if __name__ == "__main__":
    now, worker, mode, out = sys.argv[1:]
    asyncio.run(main(datetime.fromisoformat(now), worker, mode, Path(out)))
