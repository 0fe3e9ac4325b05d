"""Jobs for the schedule tests: functions of the worker's shape whose runs can be told
apart, without the domain's data."""

from __future__ import annotations

from datetime import datetime

from services.jobs import JobResult


class Recorder:
    """A job that remembers the `as_of` of each of its runs."""

    def __init__(self, name: str, examined: int = 3, changed: int = 1) -> None:
        self.name = name
        self.examined = examined
        self.changed = changed
        self.runs: list[datetime] = []

    async def __call__(self, as_of: datetime) -> JobResult:
        self.runs.append(as_of)
        return JobResult(self.name, as_of, self.examined, self.changed, 1.0)


class Failing:
    """A job that fails the way a bug would."""

    async def __call__(self, as_of: datetime) -> JobResult:
        raise RuntimeError(f"no partition for {as_of:%Y-%m}")
