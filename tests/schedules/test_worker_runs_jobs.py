"""`memberhub worker` runs the scheduled jobs beside the deliveries (DESIGN §8 "Worker")."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from app.jobs import JOBS
from models.enums import JobRunStatus
from models.job import JobRun
from tests.processes import ROOT, database_url, record_migrations


async def test_a_worker_runs_each_job_whose_slot_has_not_run(tmp_path):
    # Every schedule started long ago (tests/schedules/conftest.py): each job's latest slot is due.
    await record_migrations()
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env={
            **os.environ,
            "MEMBERHUB_DATABASE_URL": database_url(),
            "MEMBERHUB_DELIVERY_SINK": str(tmp_path / "sink.jsonl"),
            "MEMBERHUB_SCHEDULE_TAG_REFRESH": "off",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    expected = sorted(name for name in JOBS if name != "tag-refresh")
    try:
        for _ in range(1200):
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            done = await JobRun.filter(status=JobRunStatus.OK).values_list("job", flat=True)
            if sorted(done) == expected:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the worker ran {done}, not {expected}")
    finally:
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 60)
    assert code == 0
    assert not await JobRun.filter(job="tag-refresh").exists()
