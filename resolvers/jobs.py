"""Runs of scheduled jobs as jobRuns lists them."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from models.job import JobRun


def job_runs(job: str | None) -> QuerySet[JobRun]:
    """Runs of `job` (of every job when None), newest first."""
    runs = JobRun.all().order_by("-id")
    return runs if job is None else runs.filter(job=job)
