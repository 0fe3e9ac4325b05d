"""What a scheduled job run reports, shared by every `run*` mutation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from services.jobs import JobResult

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
        description="Which job: tier-evaluation, points-expiry, tag-refresh or terminations."
    )
    as_of: datetime = strawberry.field(description="The moment the job ran as (UTC).")
    examined: int = strawberry.field(description="Members the job looked at.")
    changed: int = strawberry.field(
        description="Members it changed (demoted, points expired, tags changed, terminated)."
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
    def of(cls, result: JobResult) -> JobReport:
        return cls(
            job=result.job,
            as_of=result.as_of,
            examined=result.examined,
            changed=result.changed,
            duration_ms=result.duration_ms,
            erasures_pending=result.erasures_pending,
        )
