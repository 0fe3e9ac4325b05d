"""What every scheduled job reports (the contract's JobReport)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class JobResult:
    job: str
    as_of: datetime
    examined: int
    changed: int
    duration_ms: float


class JobTimer:
    """Measures a job run: `timer = JobTimer(); ...; timer.result("x", as_of, n, m)`."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def result(self, job: str, as_of: datetime, examined: int, changed: int) -> JobResult:
        return JobResult(job, as_of, examined, changed, (time.perf_counter() - self.started) * 1000)
