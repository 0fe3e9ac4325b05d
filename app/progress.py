"""A dependency-free progress bar for long CLI runs (seeding, jobs)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO = sys.stderr) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0

    def advance(self, step: int = 1) -> None:
        self.done += step
        now = time.monotonic()
        if now - self._last_draw > 0.1 or self.done >= self.total:
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        elapsed = now - self.started
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {self.done}/{self.total} {share:4.0%} {elapsed:5.1f}s"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def terminal_bar(label: str, stream: TextIO = sys.stderr) -> Callable[[int, int], None]:
    """A job's progress callback, called with (done, total): a Progress bar on `stream`,
    begun when the job first reports."""
    bar: Progress | None = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(total, label, stream)
        if done > bar.done:
            bar.advance(done - bar.done)

    return report
