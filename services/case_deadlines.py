"""Missed service-case deadlines, announced once each (DESIGN §8 event case.overdue).

A case is overdue once its response or its resolution is late (`overdue_q`); the
`case-deadlines` job, which the worker runs every quarter of an hour, emits case.overdue
for each deadline a case has missed since the last run, in the order they fall, and
records the latest announced on the case, so a deadline is announced once however often
the job runs.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from core.ids import to_global_id
from models.communication import ServiceCase
from services.cases import overdue_q
from services.clock import as_utc
from services.db import retry_busy, transaction
from services.jobs import JobResult, JobRun, Members, ReportProgress, each_member, for_each
from services.webhooks import emit
from services.webhooks.events import timestamp

RESPONSE, RESOLUTION = "RESPONSE", "RESOLUTION"
# The deadlines of a case in the order they fall: the response is due before the resolution.
DEADLINES = (RESPONSE, RESOLUTION)


def missed(case: ServiceCase, now: datetime) -> list[str]:
    """The deadlines of `case` missed by `now` and not announced yet, in order."""
    late = []
    if case.first_responded_at is None and as_utc(case.response_due_at) < now:
        late.append(RESPONSE)
    if case.resolved_at is None and as_utc(case.resolution_due_at) < now:
        late.append(RESOLUTION)
    announced = case.late_announced
    done = DEADLINES.index(announced) + 1 if announced in DEADLINES else 0
    return [deadline for deadline in late if DEADLINES.index(deadline) >= done]


def _not_all_announced() -> Q:
    # Spelt out: NOT (late_announced = 'RESOLUTION') would leave out the NULLs too.
    return Q(late_announced__isnull=True) | Q(late_announced=RESPONSE)


async def run_case_deadlines(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Announce every deadline missed by `as_of` not announced yet; returns the members
    whose cases were examined and those with a case announced."""
    run = JobRun("case-deadlines", as_of)
    as_of = run.as_of
    members = Members(ServiceCase.filter(overdue_q(as_of), _not_all_announced()))
    step = each_member(lambda member_id: _announce(member_id, as_of))
    return run.result(*await for_each(run, members, step, progress))


async def _announce(member_id: int, as_of: datetime) -> bool:
    async def run() -> bool:
        async with transaction() as conn:
            # Locked on PostgreSQL (SQLite's write transaction already excludes others):
            # `run-job` beside the worker announces nothing twice.
            cases = (
                await ServiceCase.filter(
                    overdue_q(as_of), _not_all_announced(), member_id=member_id
                )
                .order_by("opened_at", "id")
                .select_for_update()
                .using_db(conn)
            )
            announced = False
            for case in cases:
                deadlines = missed(case, as_of)
                for deadline in deadlines:
                    due = case.response_due_at if deadline == RESPONSE else case.resolution_due_at
                    data = {
                        "caseId": to_global_id("ServiceCase", case.id),
                        "kind": case.kind.value,
                        "deadline": deadline,
                        "dueAt": timestamp(due),
                    }
                    await emit(conn, "case.overdue", member_id, data, as_of)
                if deadlines:
                    await (
                        ServiceCase.filter(id=case.id)
                        .using_db(conn)
                        .update(late_announced=deadlines[-1])
                    )
                    announced = True
            return announced

    return await retry_busy(run)
