"""Scheduled jobs, run by the worker on their schedules (app/schedules.py) and runnable
from `memberhub run-job NAME [--as-of ISO] [--json]`.

Each maps to the service function that the matching `run*` mutation also calls; it takes
`as_of` and returns a JobResult, which the operator reads as one line of counts.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `--help` lists the jobs without loading the services
    from services.jobs import JobResult


@dataclass(frozen=True)
class Job:
    target: str  # "module:function", imported only when the job runs
    summary: str  # its line in `run-job --help`
    examined: str  # what the result's `examined` counts
    changed: str  # and its `changed`
    schedule: str  # the Settings attribute of its cron expression, for the worker


JOBS: dict[str, Job] = {
    "tier-evaluation": Job(
        "services.tiers:run_tier_evaluation",
        "demote members below their tier's criteria over the MEMBERHUB_TIER_WINDOW_MONTHS "
        "ending at --as-of (promotions happen at purchase); quarterly",
        "members above the entry tier evaluated",
        "demoted",
        "schedule_tier_evaluation",
    ),
    "points-expiry": Job(
        "services.points:run_points_expiry",
        "expire the unspent points of lots past their expiry at --as-of; daily",
        "members with lapsed lots",
        "had points expired",
        "schedule_points_expiry",
    ),
    "points-expiry-notice": Job(
        "services.points:run_points_expiry_notice",
        "notify the members whose points expire within MEMBERHUB_POINTS_EXPIRY_NOTICE_DAYS "
        "of --as-of, once a calendar month each; daily",
        "members with points expiring soon",
        "notified",
        "schedule_points_expiry_notice",
    ),
    "tag-refresh": Job(
        "services.tags:run_tag_refresh",
        "recompute every active rule tag for all members as of --as-of; nightly",
        "members examined",
        "tag assignments changed",
        "schedule_tag_refresh",
    ),
    "terminations": Job(
        "services.members:run_terminations",
        "terminate the members whose termination takes effect by --as-of, erasing their "
        "personal data, and retry pending erasures; hourly",
        "members due",
        "terminated",
        "schedule_terminations",
    ),
    "case-deadlines": Job(
        "services.case_deadlines:run_case_deadlines",
        "announce (webhook event case.overdue) each service-case deadline missed by --as-of "
        "and not announced yet; every quarter of an hour",
        "members with overdue cases",
        "had a case announced",
        "schedule_case_deadlines",
    ),
    "programmes": Job(
        "services.programmes:run_programmes",
        "run every enabled programme (churn warning, satisfaction revisit, profile reminder, "
        "birthday greeting) as of --as-of; daily",
        "members selected",
        "contacted",
        "schedule_programmes",
    ),
}


def job(name: str) -> Callable[..., Awaitable[JobResult]] | None:
    spec = JOBS.get(name)
    if spec is None:
        return None
    module, _, function = spec.target.partition(":")
    return getattr(importlib.import_module(module), function)


def summary(result: JobResult) -> str:
    """`tier-evaluation: 1,234 members above the entry tier evaluated, 3 demoted in 2.1 s
    (as of ...)`."""
    spec = JOBS[result.job]
    counts = [f"{result.examined:,} {spec.examined}", f"{result.changed:,} {spec.changed}"]
    if result.erasures_pending is not None:
        counts.append(f"{result.erasures_pending:,} erasures pending")
    seconds = result.duration_ms / 1000
    as_of = result.as_of.isoformat(timespec="seconds")
    return f"{result.job}: {', '.join(counts)} in {seconds:.1f} s (as of {as_of})"


def report(result: JobResult) -> dict[str, Any]:
    """The result for scripts, under the names the API's JobReport gives it."""
    return {
        "job": result.job,
        "asOf": result.as_of.isoformat(),
        "examined": result.examined,
        "changed": result.changed,
        "durationMs": round(result.duration_ms, 3),
        "erasuresPending": result.erasures_pending,
    }
