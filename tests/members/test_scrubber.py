"""Erasures left pending are retried: by a server from its start, with backoff while a
reader still blocks them (services/members/erasure.py, issue 21)."""

from __future__ import annotations

import asyncio

import httpx

from models.enums import TerminationReason
from models.member import PendingScrub
from services.clock import utcnow
from services.members import terminate_membership
from services.members.erasure import LAST_RETRY_S, Scrubber
from tests.members.traces import found_in_files, leave_traces, reader_open
from tests.processes import server_processes


async def test_a_blocked_scrub_is_retried_soon_then_less_often():
    scrubber = Scrubber(asyncio.get_running_loop())
    blocked = [scrubber.schedule(pending=True) for _ in range(8)]
    assert blocked == [1, 2, 4, 8, 16, 32, LAST_RETRY_S, LAST_RETRY_S]
    # Nothing pending: a look a minute, and the next block starts the backoff afresh.
    assert scrubber.schedule(pending=False) == LAST_RETRY_S
    assert scrubber.schedule(pending=True) == 1


async def test_a_server_started_after_the_reader_closed_completes_the_erasure(sqlite_only):
    # Given an erasure left pending by a reader that has since closed,
    now = utcnow()
    traces = await leave_traces(now)
    with reader_open():
        done = await terminate_membership(
            traces.member_id, TerminationReason.VOLUNTARY, now, effective_at=now
        )
    assert done.erasure_pending is True
    # when a server starts, then before it serves the erased values are gone from disk.
    async with server_processes(1) as [url], httpx.AsyncClient() as http:
        metrics = (await http.get(f"{url}/metrics")).text
        assert await PendingScrub.all().count() == 0
        assert found_in_files(traces.everything) == set()
        assert "memberhub_erasures_pending 0" in metrics
