"""The worker's scheduled jobs: every entry of JOBS on the schedule its setting gives
(DESIGN §8), the enabled programmes on MEMBERHUB_SCHEDULE_PROGRAMMES among them."""

from __future__ import annotations

from datetime import datetime

from app.jobs import JOBS, job
from core.settings import Settings, get_settings
from services import schedules


def configured(settings: Settings) -> list[schedules.Schedule]:
    """Each job of JOBS with its cron expression (or off) from `settings`."""
    return [
        schedules.Schedule(name, getattr(settings, spec.schedule), _function(name))
        for name, spec in JOBS.items()
    ]


def _function(name: str) -> schedules.JobFunction:
    function = job(name)
    assert function is not None  # a name of JOBS
    return function


async def run_due_jobs(now: datetime, worker_id: str) -> int:
    """Run the jobs due at `now` that no worker has run yet, as `worker_id` (unique among
    the workers on the database, e.g. host and process id); returns how many it ran."""
    settings = get_settings()
    return await schedules.run_due_jobs(now, worker_id, configured(settings), settings.tz)
