"""What a scheduled job run reports, shared by every `run*` mutation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.jobs import JobResult


@strawberry.type
class JobReport:
    job: str
    as_of: datetime
    examined: int
    changed: int
    duration_ms: float
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
