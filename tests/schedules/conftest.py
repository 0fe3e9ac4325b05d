"""The schedules of these tests started long ago (a worker first saw each job then), so a
job's latest slot is due at once; tests/schedules/test_run_due_jobs_service.py checks a
job's first sight on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import pytest_asyncio

from app.jobs import JOBS
from models.job import JobLease
from services.db import transaction

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest_asyncio.fixture(autouse=True)
async def schedules_started_long_ago(db: object, request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("first_sight"):
        return
    async with transaction():
        for job in JOBS:
            await JobLease.create(job=job, slot=LONG_AGO)
