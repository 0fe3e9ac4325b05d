"""shortcuts/sqlite.py: statements are answered in the loop's thread, and go to aiosqlite's
worker thread when they would have to wait for another connection's lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import pytest
from tortoise import connections
from tortoise.exceptions import TransactionManagementError
from tortoise.transactions import in_transaction

import shortcuts.sqlite
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


async def test_a_transaction_runs_in_place_and_sees_its_own_writes(worker_calls) -> None:
    await make_tiers()
    member = await make_member()
    worker_calls.clear()

    async with in_transaction() as conn:
        await Member.filter(id=member.id).using_db(conn).update(points_balance=7)
        inside = await Member.get(id=member.id, using_db=conn)

    assert inside.points_balance == 7
    assert (await Member.get(id=member.id)).points_balance == 7
    assert worker_calls == []


async def test_a_plain_write_runs_in_place(worker_calls) -> None:
    member = await make_member()
    worker_calls.clear()

    await Member.filter(id=member.id).update(points_balance=5)

    assert (await Member.get(id=member.id)).points_balance == 5
    assert worker_calls == []


@pytest.fixture
def other_process(sqlite: Any) -> Iterator[sqlite3.Connection]:
    """Another connection to the database, as another process's."""
    other = sqlite3.connect(sqlite.filename, isolation_level=None)
    yield other
    if other.in_transaction:
        other.rollback()
    other.close()


async def _wait_for_lock(write: Awaitable[None], other: sqlite3.Connection) -> None:
    other.execute("BEGIN IMMEDIATE")
    task = asyncio.ensure_future(write)
    await asyncio.sleep(0.2)
    assert not task.done()  # waiting for the lock, on the worker: the loop ran this
    other.commit()
    await asyncio.wait_for(task, 5)


async def _update_in_transaction(member: Member, balance: int) -> None:
    async with in_transaction() as conn:
        await Member.filter(id=member.id).using_db(conn).update(points_balance=balance)


async def test_a_transaction_that_finds_the_lock_taken_begins_in_place_once_it_is_free(
    worker_calls, other_process
) -> None:
    # Polled every LOCK_POLL_S, without yielding the lock's next free moment to a job's
    # next batch in another process as SQLite's busy handler does.
    member = await make_member()
    worker_calls.clear()

    await _wait_for_lock(_update_in_transaction(member, 3), other_process)

    assert (await Member.get(id=member.id)).points_balance == 3
    assert worker_calls == []


async def test_a_transaction_that_finds_the_lock_taken_for_long_waits_on_the_worker(
    worker_calls, other_process, monkeypatch
) -> None:
    monkeypatch.setattr(shortcuts.sqlite, "LOCK_WAIT_IN_PLACE_S", 0.01)
    member = await make_member()
    worker_calls.clear()

    await _wait_for_lock(_update_in_transaction(member, 3), other_process)

    assert (await Member.get(id=member.id)).points_balance == 3
    assert any(call.startswith("UPDATE") for call in worker_calls)


async def test_a_transaction_on_the_worker_holds_the_write_lock_from_its_begin(
    worker_calls, other_process, monkeypatch
) -> None:
    """As one in place does: what it reads stays true until it commits."""
    monkeypatch.setattr(shortcuts.sqlite, "LOCK_WAIT_IN_PLACE_S", 0.01)
    member = await make_member()
    inside, leave = asyncio.Event(), asyncio.Event()

    async def read_only() -> None:
        async with in_transaction() as conn:
            await Member.get(id=member.id, using_db=conn)
            inside.set()
            await leave.wait()

    other_process.execute("BEGIN IMMEDIATE")
    task = asyncio.ensure_future(read_only())
    await asyncio.sleep(0.1)
    other_process.commit()
    await asyncio.wait_for(inside.wait(), 5)
    other_process.execute("PRAGMA busy_timeout = 0")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other_process.execute("BEGIN IMMEDIATE")
    leave.set()
    await asyncio.wait_for(task, 5)
    assert "BEGIN IMMEDIATE" in worker_calls


async def test_a_plain_write_that_finds_the_lock_taken_waits_on_the_worker(
    worker_calls, other_process
) -> None:
    member = await make_member()
    worker_calls.clear()

    await _wait_for_lock(Member.filter(id=member.id).update(points_balance=4), other_process)  # type: ignore[arg-type]

    assert (await Member.get(id=member.id)).points_balance == 4
    assert any(call.startswith("UPDATE") for call in worker_calls)


async def test_a_failed_transaction_in_place_changes_nothing_and_frees_the_writer(sqlite) -> None:
    member = await make_member()

    for failure in (ValueError, TransactionManagementError):  # Tortoise rolls back only one
        with pytest.raises(failure):
            async with in_transaction() as conn:
                await Member.filter(id=member.id).using_db(conn).update(points_balance=9)
                raise failure("failed")

        assert (await Member.get(id=member.id)).points_balance == 0
        assert not sqlite._writer.connection.in_transaction
    async with in_transaction() as conn:
        await Member.filter(id=member.id).using_db(conn).update(points_balance=1)
    assert (await Member.get(id=member.id)).points_balance == 1


@asynccontextmanager
async def _open_transaction(member: Member, balance: int) -> AsyncIterator[None]:
    """A transaction, in a task of its own, that has written `balance` and stays open
    until the block ends."""
    written = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with in_transaction() as conn:
            await Member.filter(id=member.id).using_db(conn).update(points_balance=balance)
            written.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await written.wait()
    try:
        yield
    finally:
        release.set()
        await holder


async def test_a_plain_read_sees_the_last_commit_not_a_transaction_in_progress(sqlite) -> None:
    member = await make_member()

    async with _open_transaction(member, 99):
        # Answered now, not after the writer's commit (which waits for this read).
        during = await asyncio.wait_for(Member.get(id=member.id), 5)
    after = await Member.get(id=member.id)

    assert during.points_balance == 0
    assert after.points_balance == 99


async def test_only_the_thread_that_opened_the_reader_uses_it(sqlite) -> None:
    # A server run in a thread of its own (as the tests' live servers) leaves its reads
    # to aiosqlite's worker: sqlite3 refuses a connection to other threads.
    assert sqlite._read("SELECT 1 AS one", None)[0]["one"] == 1
    assert await asyncio.to_thread(sqlite._read, "SELECT 1 AS one", None) is None


async def test_the_wal_is_checkpointed_off_the_loops_thread(sqlite, monkeypatch) -> None:
    # SQLite's own checkpoint would run (and fsync) in the committing connection: the loop's.
    assert sqlite._writer.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    monkeypatch.setattr(shortcuts.sqlite, "CHECKPOINT_EVERY", 3)
    threads: list[int] = []
    checkpoint = shortcuts.sqlite.Checkpointer.checkpoint

    def spied(self: Any) -> None:
        threads.append(threading.get_ident())
        checkpoint(self)

    monkeypatch.setattr(shortcuts.sqlite.Checkpointer, "checkpoint", spied)
    member = await make_member()
    checkpointer = sqlite._writer.checkpointer
    checkpointer.commits = 0
    for balance in range(3):
        await Member.filter(id=member.id).update(points_balance=balance)

    await asyncio.wait_for(checkpointer.running, 5)
    assert threads and threading.get_ident() not in threads


async def test_reads_use_the_writer_unless_a_transaction_holds_it(sqlite, monkeypatch) -> None:
    # A connection keeps its page cache across its own commits, not another's.
    member = await make_member()
    used: list[Any] = []
    run = sqlite._run
    monkeypatch.setattr(
        sqlite,
        "_run",
        lambda runner, *args: used.append(runner) or run(runner, *args),  # type: ignore[func-returns-value]
    )
    await Member.get(id=member.id)
    async with _open_transaction(member, 1):
        await Member.get(id=member.id)

    assert used == [sqlite._writer.connection, sqlite._reader]


# A statement SQLite needs tens of milliseconds for: far past READ_BUDGET_S.
LONG_SELECT = "SELECT count(*) AS counted FROM numbers a, numbers b WHERE a.i + b.i > 0"
COUNTED = 1000 * 1000


@pytest.fixture
async def numbers(sqlite: Any) -> None:
    await sqlite.execute_script(
        "CREATE TABLE numbers (i INTEGER);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "INSERT INTO numbers SELECT i FROM n;"
    )


async def _loop_turns_during(work: Awaitable[Any]) -> tuple[Any, int]:
    """What `work` answers, and how often the loop ran another task meanwhile: never
    while a statement runs in the loop's thread."""
    turns = 0
    done = False

    async def ticker() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0)
            if done:
                return
            turns += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = turns
    try:
        answer = await work
    finally:
        done = True
        await task
    return answer, turns - before


async def test_a_long_select_is_interrupted_and_answered_by_a_reader_thread(
    sqlite, numbers
) -> None:
    readers = sqlite._off_loop_readers
    (count, [row]), turns = await _loop_turns_during(sqlite.execute_query(LONG_SELECT))

    assert row["counted"] == COUNTED
    assert turns > 0  # the loop answered others while the statement ran
    assert len(readers.opened) == 1


async def test_a_long_select_runs_to_its_end_in_place_with_no_read_budget(sqlite, numbers) -> None:
    # A job's own process: nothing waits on its loop.
    with shortcuts.sqlite.no_read_budget():
        (_, [row]), turns = await _loop_turns_during(sqlite.execute_query(LONG_SELECT))

    assert row["counted"] == COUNTED
    assert turns == 0
    assert sqlite._off_loop_readers.opened == []


async def test_a_point_read_stays_in_the_loops_thread(sqlite) -> None:
    member = await make_member()
    point_read = sqlite.execute_query('SELECT "id" FROM "member" WHERE "id" = ?', [member.id])
    (_, [row]), turns = await _loop_turns_during(point_read)

    assert row["id"] == member.id
    assert turns == 0
    assert sqlite._off_loop_readers.opened == []


async def test_work_off_the_loop_sends_its_transactions_and_reads_to_threads(
    sqlite, worker_calls
) -> None:
    member = await make_member()
    worker_calls.clear()
    with shortcuts.sqlite.off_the_loop():
        async with in_transaction():
            await Member.filter(id=member.id).update(points_balance=5)
        found = await Member.get(id=member.id)

    assert found.points_balance == 5
    assert any("BEGIN IMMEDIATE" in call for call in worker_calls)
    assert len(sqlite._off_loop_readers.opened) == 1
    assert sqlite.in_place()


async def test_a_cancelled_long_select_is_interrupted(sqlite, numbers) -> None:
    readers = sqlite._off_loop_readers
    slow = "SELECT count(*) FROM numbers a, numbers b, numbers c, numbers d"
    task = asyncio.create_task(sqlite.execute_query(slow))
    while not readers.opened:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The reader thread is free again: the endless statement was interrupted.
    (_, [row]) = await asyncio.wait_for(sqlite.execute_query(LONG_SELECT), 30)
    assert row["counted"] == COUNTED


def _outcome(checkpointer: shortcuts.sqlite.Checkpointer) -> tuple[str, str]:
    """The last checkpoint's mode and outcome."""
    assert checkpointer.last is not None
    return checkpointer.last.mode, checkpointer.last.outcome


class WalFile(NamedTuple):
    name: str
    writer: sqlite3.Connection

    def grow(self, kilobytes: int) -> None:
        for _ in range(kilobytes // 4):
            self.writer.execute("INSERT INTO filler VALUES (randomblob(4000))")


@pytest.fixture
def wal_file(tmp_path: Any) -> Iterator[WalFile]:
    """A database in WAL mode with a writer kept open (the last connection's close would
    checkpoint and delete the log)."""
    name = str(tmp_path / "wal.db")
    writer = sqlite3.connect(name, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE filler (blob BLOB)")
    yield WalFile(name, writer)
    writer.close()


async def test_a_log_past_a_quarter_of_its_limit_is_emptied(wal_file) -> None:
    checkpointer = shortcuts.sqlite.Checkpointer(wal_file.name, wal_limit=2**20)
    wal_file.grow(40)
    checkpointer.checkpoint()  # under 256 KB: PASSIVE only, the file stays
    assert _outcome(checkpointer)[0] == "PASSIVE"
    assert checkpointer.wal_size() > 0

    wal_file.grow(400)
    checkpointer.checkpoint()

    assert _outcome(checkpointer) == ("TRUNCATE", "done")
    assert checkpointer.wal_size() == 0
    await checkpointer.close()


async def test_a_commit_that_grew_the_log_by_its_share_checkpoints_at_once(wal_file) -> None:
    # A group commit carries many operations: a count of commits let the log run away.
    checkpointer = shortcuts.sqlite.Checkpointer(wal_file.name, wal_limit=2**20)
    wal_file.grow(8)
    assert checkpointer.wal_size() < 2**20 // 16
    checkpointer.committed()
    assert checkpointer.running is None
    wal_file.grow(80)
    checkpointer.committed()  # two commits, far from CHECKPOINT_EVERY
    assert checkpointer.running is not None
    await asyncio.wait_for(checkpointer.running, 5)
    assert _outcome(checkpointer)[1] == "done"
    # Measured again from the size the checkpoint left.
    assert checkpointer.checked_size == checkpointer.wal_size()
    await checkpointer.close()


async def test_a_reader_holding_an_old_snapshot_leaves_the_truncate_busy(wal_file) -> None:
    checkpointer = shortcuts.sqlite.Checkpointer(wal_file.name, wal_limit=64 * 1024)
    wal_file.grow(40)
    reader = sqlite3.connect(wal_file.name, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM filler").fetchone()
    wal_file.grow(40)
    try:
        checkpointer.checkpoint()
        assert _outcome(checkpointer) == ("TRUNCATE", "busy")
        assert checkpointer.wal_size() > 0
    finally:
        reader.close()
    checkpointer.checkpoint()  # retried once the snapshot is gone
    assert _outcome(checkpointer) == ("TRUNCATE", "done")
    await checkpointer.close()


async def test_a_truncate_is_not_starved_by_transactions_back_to_back(sqlite, monkeypatch) -> None:
    # As group commits under steady writes: the next transaction begins as the last one
    # commits. This process's transactions wait while a TRUNCATE is tried.
    checkpointer = sqlite.checkpointer
    monkeypatch.setattr(checkpointer, "truncate_above", 0)  # every checkpoint truncates
    monkeypatch.setattr(checkpointer, "growth", 0)  # and one starts at every commit it can
    outcomes: list[tuple[str, str]] = []
    run = checkpointer._run

    def noted(mode: str) -> Any:
        row = run(mode)
        outcomes.append(_outcome(checkpointer))
        return row

    monkeypatch.setattr(checkpointer, "_run", noted)
    members = [await make_member() for _ in range(8)]

    async def writes(member: Member) -> None:
        for balance in range(1, 26):
            async with in_transaction() as conn:
                await Member.filter(id=member.id).using_db(conn).update(points_balance=balance)
                await asyncio.sleep(0.002)  # a mutation's other awaits, the lock held

    await asyncio.gather(*(writes(member) for member in members))
    if checkpointer.running is not None:
        await asyncio.wait_for(checkpointer.running, 5)

    assert {member.points_balance for member in await Member.all()} == {25}
    truncates = [outcome for mode, outcome in outcomes if mode == "TRUNCATE"]
    assert truncates
    assert set(truncates) == {"done"}


async def test_a_transaction_waits_for_a_truncate_no_longer_than_its_hold(
    sqlite, monkeypatch
) -> None:
    # A reader such as a backup's can keep every TRUNCATE busy for TRUNCATE_WAIT_S.
    monkeypatch.setattr(sqlite.checkpointer, "truncating", True)
    member = await make_member()
    await asyncio.wait_for(_update_in_transaction(member, 4), 2)
    assert (await Member.get(id=member.id)).points_balance == 4


async def test_the_log_is_limited_by_the_setting(sqlite) -> None:
    limit = sqlite._writer.connection.execute("PRAGMA journal_size_limit").fetchone()[0]
    assert limit == 64 * 2**20
    assert sqlite.checkpointer.truncate_above == 16 * 2**20
