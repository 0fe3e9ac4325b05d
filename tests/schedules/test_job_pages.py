"""Jobs read their members a page at a time (services/jobs.py): every member is visited
once, in id order, however many pages they take."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from models.member import Member
from services import jobs
from services.clock import utcnow
from services.db import transaction
from services.jobs import JobRun, Members, for_each
from services.tags import run_tag_refresh
from tests.factories import make_member
from tests.points.helpers import record, staff_api
from tests.tags.helpers import active_tag, carriers

EXPIRY = "mutation($asOf: DateTime) { runPointsExpiry(asOf: $asOf) { examined changed } }"


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "PAGE", 3)
    monkeypatch.setattr(jobs, "BATCH", 2)


async def test_for_each_visits_every_member_once_across_pages(db, small_pages) -> None:
    # given 8 members, 3 pages of 3 ids
    ids = [(await make_member(name=f"会员{n}")).id for n in range(8)]
    visited: list[int] = []
    bar: list[tuple[int, int]] = []

    async def step(batch: Sequence[int]) -> tuple[list[str], int]:
        visited.extend(batch)
        return [], len(batch)

    # when a job walks them with a narrowing pick (the odd ones are due)
    async def odd(page: list[int]) -> list[int]:
        return [member_id for member_id in page if member_id % 2]

    run = JobRun("tag-refresh", utcnow())
    examined, changed = await for_each(
        run, Members(Member.all(), key="id"), step, lambda *p: bar.append(p), odd
    )
    # then each member was examined once, the due ones changed once each, in id order
    assert examined == 8 and changed == len(visited)
    assert visited == [member_id for member_id in ids if member_id % 2]
    assert bar[0] == (0, 8) and bar[-1] == (8, 8)


async def test_only_a_batch_that_wrote_pauses_for_a_waiting_writer(
    db, small_pages, monkeypatch
) -> None:
    # given 4 members in 2 pages (a batch each), of which only the first batch writes
    for n in range(4):
        await make_member(name=f"会员{n}")
    monkeypatch.setattr(jobs, "BATCH_PAUSE_S", 0.0137)  # told apart from other sleeps
    sleep = asyncio.sleep
    slept: list[float] = []

    async def recorded(seconds: float) -> None:
        slept.append(seconds)
        await sleep(seconds)

    monkeypatch.setattr(asyncio, "sleep", recorded)
    batches = 0

    async def step(batch: Sequence[int]) -> tuple[list[str], int]:
        nonlocal batches
        batches += 1
        if batches == 1:
            async with transaction():
                await Member.filter(id=batch[0]).update(points_balance=1)
        return [], 0

    # when a job walks them
    await for_each(JobRun("tag-refresh", utcnow()), Members(Member.all(), key="id"), step, None)
    # then it paused after the batch that took the write lock only, and after the other
    # it let the loop's other tasks run
    assert batches == 2
    assert slept.count(0.0137) == 1
    assert slept[slept.index(0.0137) + 1 :].count(0) >= 1


async def test_rows_of_one_member_make_one_visit(api, small_pages) -> None:
    # given 5 members with two lapsed lots each (two ledger rows per member)
    ops = await staff_api(api)
    members = [await make_member(name=f"会员{n}") for n in range(5)]
    for member in members:
        for n in (1, 2):
            ref = f"P-{member.id}-{n}"
            await record(ops, member.id, ref, "10.00", occurredAt="2023-01-15T12:00:00+08:00")
    # when points expiry runs over 2 pages, then every member is expired once
    report = (await ops(EXPIRY, {"asOf": "2026-01-01T00:00:00+08:00"}))["data"]
    assert report["runPointsExpiry"] == {"examined": 5, "changed": 5}


async def test_the_tag_refresh_tags_every_member_across_pages(db, small_pages) -> None:
    # given a rule tag for adults, then 7 adults made without a refresh
    tag = await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    for n in range(7):
        await make_member(name=f"会员{n}")
    assert await carriers(tag.code) == set()
    # when the job runs over 3 pages, then all 7 carry it, and a rerun changes nothing
    result = await run_tag_refresh(utcnow())
    assert (result.examined, result.changed) == (7, 7)
    assert len(await carriers(tag.code)) == 7
    assert (await run_tag_refresh(utcnow())).changed == 0
