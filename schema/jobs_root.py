"""Root fields of the scheduled jobs' records: the runs."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.jobs import job_runs as runs_of
from schema.context import Info
from schema.jobs import JobRun
from schema.pagination import After, Connection, First, paginate


async def job_runs(
    info: Info,
    job: Annotated[
        str | None,
        strawberry.argument(
            description="Runs of this job only (as run-job names it); default all."
        ),
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[JobRun]:
    return await paginate(runs_of(job), first, after)


@strawberry.type
class JobsQuery:
    job_runs: Connection[JobRun] = strawberry.field(
        resolver=job_runs,
        description="Runs of the scheduled jobs, by the workers and by `memberhub run-job`, "
        "newest first.",
    )
