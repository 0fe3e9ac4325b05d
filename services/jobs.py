"""What every scheduled job reports (the contract's JobReport)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.progress import Progress
from services.clock import as_utc
from services.validation import check_moment


@dataclass(frozen=True)
class JobResult:
    job: str
    as_of: datetime
    examined: int
    changed: int
    duration_ms: float


def job_as_of(as_of: datetime) -> datetime:
    """The moment a job runs as of, in UTC. Raises Invalid (at asOf) outside the years
    every date input keeps to (DESIGN §2), before the job reads or writes anything."""
    check_moment(as_of, ("asOf",))
    return as_utc(as_of)


class JobTimer:
    """Measures a job run: `timer = JobTimer(); ...; timer.result("x", as_of, n, m)`."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def result(self, job: str, as_of: datetime, examined: int, changed: int) -> JobResult:
        return JobResult(job, as_of, examined, changed, (time.perf_counter() - self.started) * 1000)


async def for_each(
    job: str,
    member_ids: Sequence[int],
    step: Callable[[int], Awaitable[bool | int]],
    progress: bool,
) -> int:
    """Run `step` for each member in order (one transaction each, so a crash keeps what is
    done); shows a progress bar on request; returns how many steps changed something."""
    bar = Progress(len(member_ids), job) if progress else None
    changed = 0
    for member_id in member_ids:
        changed += bool(await step(member_id))
        if bar is not None:
            bar.advance()
    return changed
