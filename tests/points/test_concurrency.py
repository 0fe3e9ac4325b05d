"""Concurrent writers never lose, duplicate or invent a point (DESIGN §2 "Concurrency", §6).

Runs against whichever database the suite uses: the SQLite file by default, PostgreSQL
with MEMBERHUB_TEST_DATABASE_URL. The multi-process tests start real OS processes
(tests/points/ledger_worker.py) that share the test's database.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter

import httpx

from models.enums import Role
from models.member import Member
from models.points import PointsEntry
from services.points import verify_ledger
from tests.conftest import staff_token
from tests.factories import make_member
from tests.points.helpers import REDEEM, adjust, gid, redeem, staff_api
from tests.processes import ROOT, database_url, server_processes


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.points.ledger_worker", database_url(), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _funded_members(api, points: int, count: int = 1) -> list[Member]:
    ops = await staff_api(api)
    members = [await make_member() for _ in range(count)]
    for member in members:
        assert (await adjust(ops, member.id, points, "fund"))["errors"] == []
    return members


async def run_together(procs: list[subprocess.Popen[str]]) -> Counter[str]:
    """Start the workers' writes at once, once every one is ready; their outcomes summed."""
    for proc in procs:
        assert proc.stdout is not None
        ready = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout=60)
        assert ready == "ready\n", proc.stderr.read() if proc.stderr else ready
    outcomes: Counter[str] = Counter()
    for proc in procs:  # the start line goes to all before any result is awaited
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = await asyncio.to_thread(proc.communicate, timeout=120)
        assert proc.returncode == 0, err
        outcomes.update(json.loads(out.strip().splitlines()[-1]))
    return outcomes


async def test_200_concurrent_redemptions_in_one_process(api):
    # Given 1000 points, when 200 redemptions of 7 race over GraphQL,
    [member] = await _funded_members(api, 1000)
    service = await staff_api(api, Role.SERVICE)
    results = await asyncio.gather(*(redeem(service, 7, f"k{i}", member.id) for i in range(200)))
    # then exactly the affordable 142 succeed and the rest are refused, nothing else.
    outcomes = Counter(r["errors"][0]["code"] if r["errors"] else "OK" for r in results)
    assert outcomes == {"OK": 142, "INSUFFICIENT_POINTS": 58}
    assert (await Member.get(id=member.id)).points_balance == 1000 - 142 * 7
    assert await verify_ledger() == []


async def test_200_redemptions_from_4_processes(api):
    # Given 1000 points, when 4 processes each send 50 concurrent redemptions of 7,
    [member] = await _funded_members(api, 1000)
    procs = [worker("redeem", str(member.id), "50", "7", f"p{n}") for n in range(4)]
    outcomes = await run_together(procs)
    # then exactly 142 succeed, 58 get INSUFFICIENT_POINTS, nobody sees "locked" or a crash,
    assert outcomes == {"OK": 142, "INSUFFICIENT_POINTS": 58}
    # and the ledger holds exactly those debits.
    assert (await Member.get(id=member.id)).points_balance == 1000 - 142 * 7
    assert await PointsEntry.filter(member_id=member.id, kind="REDEEM").count() == 142
    assert await verify_ledger() == []


async def _rounds(proc: subprocess.Popen[str], count: int) -> None:
    """Wait until a churn worker has committed `count` more rounds."""
    assert proc.stdout is not None
    for _ in range(count):
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout=60)
        assert line, proc.stderr.read() if proc.stderr else "worker ended"


async def _entries_grow(by: int) -> None:
    """Wait until other processes have committed `by` more ledger entries."""
    target = await PointsEntry.all().count() + by
    for _ in range(600):
        if await PointsEntry.all().count() >= target:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the surviving writer made no progress")


async def test_writer_killed_mid_load_leaves_a_sound_ledger(api):
    # Given two processes writing purchases, refunds, redemptions and adjustments for the
    # same members (they also replay each other's orderRefs),
    members = await _funded_members(api, 500, count=3)
    ids = ",".join(str(m.id) for m in members)
    victim, survivor = worker("churn", ids), worker("churn", ids)
    await _rounds(victim, 5)
    # when one is killed with SIGKILL in the middle of its load and the other goes on,
    os.kill(victim.pid, signal.SIGKILL)
    await asyncio.to_thread(victim.wait)
    await _entries_grow(by=8)
    os.kill(survivor.pid, signal.SIGKILL)
    await asyncio.to_thread(survivor.wait)
    # then neither saw anything but results and UserErrors ("database is locked", a crash),
    assert [proc.stderr.read() if proc.stderr else "" for proc in (victim, survivor)] == ["", ""]
    # and what they committed is whole and every invariant holds.
    assert await PointsEntry.filter(kind="EARN").count() >= 5
    assert await verify_ledger() == []


async def test_200_redemptions_over_http_across_2_server_processes(api):
    # Given 1000 points and two server processes on the same database,
    [member] = await _funded_members(api, 1000)
    token = await staff_token(Role.SERVICE, "http-load")
    async with server_processes(2) as urls, httpx.AsyncClient(timeout=60) as http:
        # when 200 redemptions of 7 are sent to them at once, alternating,
        async def send(i: int) -> httpx.Response:
            variables = {
                "input": {
                    "memberId": gid(member.id),
                    "points": 7,
                    "purpose": "GIFT",
                    "idempotencyKey": f"h{i}",
                }
            }
            return await http.post(
                f"{urls[i % 2]}/graphql",
                headers={"Authorization": f"Bearer {token}"},
                json={"query": REDEEM, "variables": variables},
            )

        responses = await asyncio.gather(*(send(i) for i in range(200)))
    # then every answer is a 200 with data, exactly 142 succeed and 58 are refused.
    assert {r.status_code for r in responses} == {200}
    bodies = [r.json() for r in responses]
    assert all("errors" not in body for body in bodies), [b for b in bodies if "errors" in b][:1]
    outcomes = Counter(
        (b["data"]["redeemPoints"]["errors"] or [{"code": "OK"}])[0]["code"] for b in bodies
    )
    assert outcomes == {"OK": 142, "INSUFFICIENT_POINTS": 58}
    assert (await Member.get(id=member.id)).points_balance == 1000 - 142 * 7
    assert await verify_ledger() == []
