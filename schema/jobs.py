"""What a scheduled job run reports, shared by every `run*` mutation, and the record of
each run (jobRuns)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from core.ids import to_global_id
from models.job import JobRun as JobRunModel
from schema.common import model_type
from schema.enums import JobRunStatus
from services.jobs import JobResult
from shortcuts.sqlite import off_the_loop

# The argument of every `run*` mutation.
AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="The moment the job runs as (UTC or any offset; 1900-2200); default now. "
        "Past and future moments are both allowed, e.g. to catch up a missed run."
    ),
]


@strawberry.type(
    description="What a run of a scheduled job did (the jobs `memberhub run-job` runs for "
    "a scheduler such as cron)."
)
class JobReport:
    job: str = strawberry.field(
        description="Which job: tier-evaluation, points-expiry, points-expiry-notice, tag-refresh "
        "or terminations."
    )
    as_of: datetime = strawberry.field(description="The moment the job ran as (UTC).")
    examined: int = strawberry.field(description="Members the job looked at.")
    changed: int = strawberry.field(
        description="Members it changed (demoted, points expired, notified, tags changed, "
        "terminated)."
    )
    duration_ms: float = strawberry.field(description="How long the run took, in milliseconds.")
    erasures_pending: int | None = strawberry.field(
        default=None,
        description=(
            "runTerminations only (null for other jobs): terminated members whose erased "
            "values may still be in the database's write-ahead log because another "
            "connection holds a read snapshot. memberhub retries until they are gone."
        ),
    )

    @classmethod
    async def of_run(cls, job: Awaitable[JobResult]) -> JobReport:
        """The report of a job a mutation runs, its statements on threads: in the server's
        loop its batches would hold up every other request."""
        with off_the_loop():
            return cls.of(await job)

    @classmethod
    def of(cls, result: JobResult) -> JobReport:
        return cls(
            job=result.job,
            as_of=result.as_of,
            examined=result.examined,
            changed=result.changed,
            duration_ms=result.duration_ms,
            erasures_pending=result.erasures_pending,
        )


@model_type(
    JobRunModel,
    description="One run of a scheduled job, by a worker on the job's schedule or by "
    "`memberhub run-job`.",
)
class JobRun:
    job: str = strawberry.field(
        description="Which job: tier-evaluation, points-expiry, points-expiry-notice, tag-refresh, "
        "terminations, case-deadlines or programmes."
    )
    started_at: datetime = strawberry.field(description="When the run started (UTC).")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (UTC); null while RUNNING."
    )
    status: JobRunStatus = strawberry.field(description="How far it came, or how it ended.")
    counts: JSON = strawberry.field(
        description='What an OK run did, e.g. {"examined": 120, "changed": 3}, under the names '
        "JobReport gives them (erasuresPending for terminations); {} otherwise."
    )
    error: str | None = strawberry.field(
        description="A FAILED run's error: its class and message, or why it was abandoned."
    )

    # Not a Node: `node` fetches records members and their staff read, not the jobs' log.
    @strawberry.field(description="ID of the run, unique across all types.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("JobRun", self.id))
