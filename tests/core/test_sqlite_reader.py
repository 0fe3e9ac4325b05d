"""models/sqlite.py: reads outside a transaction are answered in the loop's thread."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from models.member import Member
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql


@pytest.fixture
def sqlite() -> Any:
    client = connections.get("default")
    if client.capabilities.dialect != "sqlite":
        pytest.skip("the in-place reader is SQLite's")
    return client


@pytest.fixture
def worker_calls(sqlite: Any, monkeypatch: Any) -> list[str]:
    """The statements aiosqlite's worker thread is handed."""
    calls: list[str] = []
    connection = sqlite._connection
    original = connection._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[0]) if args else fn.__name__)
        return await original(fn, *args, **kwargs)

    monkeypatch.setattr(connection, "_execute", counted)
    return calls


async def test_a_read_outside_a_transaction_skips_the_worker_thread(worker_calls) -> None:
    member = await make_member()
    worker_calls.clear()

    async with count_sql() as counter:
        found = await Member.get(id=member.id)

    assert found.member_no == member.member_no
    assert worker_calls == []
    assert counter.count == 1  # still logged, so statement counts stay true


async def test_writes_and_reads_in_a_transaction_keep_the_worker_thread(worker_calls) -> None:
    await make_tiers()
    member = await make_member()
    worker_calls.clear()

    async with in_transaction() as conn:
        await Member.filter(id=member.id).using_db(conn).update(points_balance=7)
        inside = await Member.get(id=member.id).using_db(conn)

    assert inside.points_balance == 7  # a transaction sees its own writes
    assert any(call.startswith("UPDATE") for call in worker_calls)
    assert any(call.startswith("SELECT") for call in worker_calls)


async def test_a_plain_read_sees_the_last_commit_not_a_transaction_in_progress(sqlite) -> None:
    member = await make_member()
    written = asyncio.Event()
    release = asyncio.Event()

    async def slow_writer() -> None:
        async with in_transaction() as conn:
            await Member.filter(id=member.id).using_db(conn).update(points_balance=99)
            written.set()
            await release.wait()

    writer = asyncio.create_task(slow_writer())
    await written.wait()
    try:
        # Answered now, not after the writer's commit (which waits for this read).
        during = await asyncio.wait_for(Member.get(id=member.id), 5)
    finally:
        release.set()
        await writer
    after = await Member.get(id=member.id)

    assert during.points_balance == 0
    assert after.points_balance == 99


async def test_only_the_thread_that_opened_the_reader_uses_it(sqlite) -> None:
    # A server run in a thread of its own (as the tests' live servers) leaves its reads
    # to aiosqlite's worker: sqlite3 refuses a connection to other threads.
    assert sqlite._read("SELECT 1 AS one", None)[0]["one"] == 1
    assert await asyncio.to_thread(sqlite._read, "SELECT 1 AS one", None) is None
