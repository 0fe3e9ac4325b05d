"""`memberhub worker` (DESIGN §8): runs its periodic tasks in turn until stopped.

Each task is an async callable `(now) -> int` returning how much it did; when a round
does nothing the worker sleeps briefly. SIGTERM or SIGINT lets the task in progress
finish (a delivery task sends one message at a time), then the worker exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime

from app.schedules import run_due_jobs
from core.settings import get_settings
from services.clock import utcnow
from services.delivery.sending import delivering, worker_name
from services.webhooks.sending import webhooks_sending

Task = Callable[[datetime], Awaitable[int]]
# How long an idle worker waits before looking for due work again.
IDLE_SECONDS = 0.5
SCHEDULE_CHECK_SECONDS = 15.0
log = logging.getLogger("memberhub.worker")


def tasks(deliver: Task, send_webhooks: Task) -> list[Task]:
    """Everything the worker runs, in the order of each round."""
    return [deliver, send_webhooks, scheduled_jobs(worker_name())]


def scheduled_jobs(worker_id: str) -> Task:
    """The due scheduled jobs (app/schedules.py), looked for at most once per
    SCHEDULE_CHECK_SECONDS: no job is due more often than once a minute, and an idle
    worker's rounds would otherwise read the leases twice a second."""
    checked_at: float | None = None

    async def run_scheduled_jobs(now: datetime) -> int:
        nonlocal checked_at
        if checked_at is not None and time.monotonic() - checked_at < SCHEDULE_CHECK_SECONDS:
            return 0
        checked_at = time.monotonic()
        return await run_due_jobs(now, worker_id)

    return run_scheduled_jobs


async def _round(work: list[Task]) -> int:
    done = 0
    for task in work:
        try:
            done += await task(utcnow())
        except Exception:
            # The worker's edge: one failing round (a database restart, a bug in one
            # message) is logged and tried again, it does not stop every delivery.
            log.exception("worker task %s failed", getattr(task, "__name__", task))
    return done


async def run_worker(stop: asyncio.Event) -> None:
    """Run rounds of the worker's tasks until `stop` is set."""
    settings = get_settings()
    async with delivering(settings) as deliver, webhooks_sending(settings) as send_webhooks:
        work = tasks(deliver, send_webhooks)
        while not stop.is_set():
            if await _round(work):
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_SECONDS)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, in the running loop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
