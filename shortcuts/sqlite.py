"""The SQLite engine: Tortoise's, with its statements run in the event loop's thread.

aiosqlite runs every statement on its worker thread, and the handoff there and back
costs about 80 us of CPU: more than most statements here take to run (issue 7), and a
write transaction holds the database's write lock across every handoff it makes. Two
more connections, opened and used only in the loop's thread, answer in place:
- a reader, for the SELECTs sent outside a transaction while one is open: in WAL mode
  a reader never waits for a writer and sees every committed write;
- a writer, for transactions, the writes sent outside one, and the SELECTs sent while
  no transaction is open. It never waits for a lock (busy_timeout 0): once BEGIN
  IMMEDIATE holds the write lock nothing a transaction does in WAL mode waits, and a
  write that finds another process's lock goes to aiosqlite's worker, which waits
  there (busy_timeout) without holding up the loop. So does every statement sent from
  another thread.
Every transaction begins IMMEDIATE, on the worker as in place: it holds the write lock
before it reads anything, so what it reads stays true until it commits, and a lock taken
by another process is waited for at BEGIN rather than failing a later write (a deferred
transaction cannot upgrade while another writes).

A statement in the loop's thread holds up every request of the process (issue 28: one
staff search over 20,000 members put 94 ms on every other request). A SELECT outside a
transaction gets READ_BUDGET_S there; past it SQLite interrupts it (it changed nothing)
and one of a few reader threads runs it again (`OffLoopReaders`), so point reads keep
their fast path and scans, counts and aggregates do not stall the loop. A job a mutation
runs goes wholly off the loop under `off_the_loop()` (schema/jobs.py); in a process of
its own a job runs in place, its reads with no budget (`no_read_budget()`, app/cli.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, NamedTuple

from tortoise.backends.sqlite.client import SqliteClient as TortoiseSqliteClient
from tortoise.backends.sqlite.client import (
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

# How long a read in the loop's thread may wait for a lock before a reader thread takes
# it over (WAL readers wait only while a checkpoint or recovery holds the index), and how
# long a reader thread waits.
READER_BUSY_TIMEOUT_MS = 50
READER_THREAD_BUSY_TIMEOUT_MS = 10_000
# Commits in place between checkpoints: about the 1000 pages at which SQLite's own
# (wal_autocheckpoint) would checkpoint, at a handful of pages a commit.
CHECKPOINT_EVERY = 100
# Or sooner, once the log file has grown by this share of the limit since the last
# checkpoint: a group commit carries up to 30 purchases, and 100 of them let the log
# grow by 135 MB between two checkpoints in the bench's W3.
CHECKPOINT_AT_GROWTH_SHARE_OF_LIMIT = 16
# How long a TRUNCATE checkpoint waits for other connections' transactions. memberhub's
# own take milliseconds; a read snapshot held longer is another process's (a backup, a
# sqlite3 shell): an erasure then stays pending and is retried, a bound on the log is
# tried again at the next checkpoint.
TRUNCATE_WAIT_S = 0.2
# How long a transaction of the loop's thread waits to begin while a TRUNCATE is tried
# (`Checkpointer.truncated`): enough for the checkpoint's thread to take the write lock
# once the transaction before has committed (it holds it from then on); not the whole of
# TRUNCATE_WAIT_S, which a reader such as a backup's may use up every time.
TRUNCATE_HOLD_S = 0.02
# A PASSIVE checkpoint cannot copy frames a reader's snapshot still needs, and the log
# starts over only when a writer finds no reader in it: under steady reads and writes it
# never does, and the log grew to 254 MB in a minute of the bench's writes (3.3 GB while
# seeding 20,000 members). Past this share of the limit the checkpoint TRUNCATEs, which
# waits for readers (milliseconds here) and empties the file.
TRUNCATE_AT_SHARE_OF_LIMIT = 4
# The time a SELECT outside a transaction may run in the loop's thread before it is
# interrupted and run again off the loop: above a point read, below what the loop may
# lose to one request's statement.
READ_BUDGET_S = 0.002
# SQLite's VM instructions between two looks at the clock (a few microseconds of work).
PROGRESS_STEP = 1000
# While another process holds the write lock, a transaction tries BEGIN IMMEDIATE again in
# place this often, for up to LOCK_WAIT_IN_PLACE_S before the worker thread waits for it.
# SQLite's own busy handler sleeps up to 100 ms between tries, and against a job writing
# batch after batch in another process it lost nearly every time (W1's p99 beside a tag
# refresh: 10 s); a job pauses longer than this between batches (services/jobs.py).
LOCK_POLL_S = 0.0005
LOCK_WAIT_IN_PLACE_S = 2.0
# Reader threads for the statements too long for the loop: concurrent long reads beyond
# this wait their turn, without holding up anything else.
OFF_LOOP_READERS = 4
# Compiled statements a connection keeps by their text. Batched reads have one text per
# number of keys (shortcuts/shapes.py), so a server sees a few hundred; compiling one
# again costs more than most of them take to run (sqlite3 keeps 128).
COMPILED_STATEMENTS = 1024

log = logging.getLogger(__name__)


def is_busy(error: BaseException) -> bool:
    """Whether `error` (sqlite3's, or Tortoise's wrapping of it) is another connection's lock."""
    text = str(error).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or isinstance(error, sqlite3.OperationalError)
        and "locked" in text
    )


def is_interrupted(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and str(error) == "interrupted"


# Set by `off_the_loop()`: this task's statements go to threads, not the loop's connections.
_off_loop: ContextVar[bool] = ContextVar("sqlite_off_loop", default=False)
# How long a SELECT may run in the loop's thread before it is interrupted; see
# `no_read_budget()`.
_read_budget: ContextVar[float] = ContextVar("sqlite_read_budget", default=READ_BUDGET_S)


@contextmanager
def off_the_loop() -> Iterator[None]:
    """Run the statements sent within on threads (its transactions on aiosqlite's worker,
    its reads on reader threads): for work known to be long, such as a job a request
    runs, which would hold up every other request if run in the loop's thread."""
    token = _off_loop.set(True)
    try:
        yield
    finally:
        _off_loop.reset(token)


@contextmanager
def no_read_budget() -> Iterator[None]:
    """Let a SELECT within run to its end in the loop's thread: for a process that answers
    no requests (a job's, the worker's), where nothing waits behind it. Interrupted, a
    batch's long read is run again from the start on a reader thread (a tag refresh at
    100,000 members: 1,400 reads, 3.3 s lost)."""
    token = _read_budget.set(math.inf)
    try:
        yield
    finally:
        _read_budget.reset(token)


def _open(filename: str, **pragmas: Any) -> sqlite3.Connection:
    connection = sqlite3.connect(
        filename,
        isolation_level=None,
        cached_statements=COMPILED_STATEMENTS,
        check_same_thread=False,  # a reader thread's connection is closed by the loop's
    )
    connection.row_factory = sqlite3.Row
    for pragma, value in pragmas.items():
        connection.execute(f"PRAGMA {pragma}={value}")
    return connection


def _is_select(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


def _escaped(query: str) -> str:
    return query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise's own execute_query


class WalCheckpoint(NamedTuple):
    """What `PRAGMA wal_checkpoint` answers: busy 1 when another connection kept it from
    finishing, the frames in the log, and how many of them reached the database file."""

    busy: int
    log: int
    checkpointed: int

    @property
    def emptied(self) -> bool:
        """For a TRUNCATE checkpoint: whether the log file is now empty."""
        return not self.busy


class CheckpointOutcome(NamedTuple):
    """The last checkpoint a process ran, for /metrics: its mode, whether it completed
    (`done`), found the log busy (`busy`) or failed, and when (Unix time)."""

    mode: str
    outcome: str
    at: float


def _checkpoint(connection: sqlite3.Connection, mode: str) -> WalCheckpoint:
    """One checkpoint in `mode`; a TRUNCATE is tried every LOCK_POLL_S for up to
    TRUNCATE_WAIT_S while other connections' transactions keep it busy."""
    deadline = time.monotonic() + TRUNCATE_WAIT_S
    while True:
        try:
            row = WalCheckpoint(*connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            row = WalCheckpoint(busy=1, log=-1, checkpointed=-1)
        if mode == "PASSIVE" or not row.busy or time.monotonic() > deadline:
            return row
        time.sleep(LOCK_POLL_S)


class Checkpointer:
    """Checkpoints the WAL on a thread of the loop's executor, every CHECKPOINT_EVERY
    commits in place. SQLite's own checkpoint runs in the connection that commits, here
    the loop's thread, and its fsync held up the loop for 4 to 7 ms each time. A log
    grown past its share of `wal_limit` is emptied (TRUNCATE_AT_SHARE_OF_LIMIT)."""

    def __init__(self, filename: str, wal_limit: int) -> None:
        self.filename = filename
        self.truncate_above = wal_limit // TRUNCATE_AT_SHARE_OF_LIMIT
        self.growth = wal_limit // CHECKPOINT_AT_GROWTH_SHARE_OF_LIMIT
        self.commits = 0
        self.checked_size = 0  # the log file's size when the last checkpoint ended
        self.running: asyncio.Future[None] | None = None
        self.connection: sqlite3.Connection | None = None
        self.last: CheckpointOutcome | None = None
        # One call at a time on the connection, not always on one thread.
        self.lock = threading.Lock()
        # Whether a TRUNCATE is being tried, by a checkpoint or an erasure (`truncated`).
        self.truncating = False

    def committed(self) -> None:
        self.commits += 1
        if self.running is not None and not self.running.done():
            return
        if self.commits >= CHECKPOINT_EVERY or self.wal_size() > self.checked_size + self.growth:
            self.commits = 0
            self.running = asyncio.get_running_loop().run_in_executor(None, self.checkpoint)

    def wal_size(self) -> int:
        try:
            return os.stat(f"{self.filename}-wal").st_size
        except FileNotFoundError:
            return 0

    def checkpoint(self) -> None:
        try:
            self._run("PASSIVE")
        except sqlite3.Error as error:  # the WAL only grows until the next one succeeds
            log.warning("WAL checkpoint failed: %s", error)
        if self.wal_size() > self.truncate_above:
            self.truncate()
        self.checked_size = self.wal_size()

    async def truncated(self) -> None:
        """Returns once the TRUNCATE being tried, if any, has ended, or after
        TRUNCATE_HOLD_S. Under steady writes a group commit begins as the one before
        commits, so the write lock was never free for it: every TRUNCATE of the bench's
        W3 came back busy, and the log grew 2 MB a second. A transaction of the loop's
        thread waits here before it begins."""
        deadline = time.monotonic() + TRUNCATE_HOLD_S
        while self.truncating and time.monotonic() < deadline:
            await asyncio.sleep(LOCK_POLL_S)

    def truncate(self) -> WalCheckpoint:
        """Copy every frame into the database file and empty the log file, waiting at most
        TRUNCATE_WAIT_S for other connections' transactions; busy if one outlasts it."""
        try:
            return self._run("TRUNCATE")
        except sqlite3.Error as error:
            log.warning("WAL checkpoint (TRUNCATE) failed: %s", error)
            self.last = CheckpointOutcome("TRUNCATE", "failed", time.time())
            return WalCheckpoint(busy=1, log=-1, checkpointed=-1)

    def _run(self, mode: str) -> WalCheckpoint:
        with self.lock:
            if self.connection is None:
                # Never SQLite's busy handler: it sleeps up to 100 ms between tries, and
                # under steady writes a TRUNCATE hardly found the writer's lock free.
                self.connection = sqlite3.connect(self.filename, timeout=0, check_same_thread=False)
            # Under the lock: a TRUNCATE queued behind another checkpoint holds no one yet.
            self.truncating = mode == "TRUNCATE"
            try:
                row = _checkpoint(self.connection, mode)
            finally:
                self.truncating = False
        # PASSIVE leaves frames behind whenever a reader holds them: that is not busy.
        done = not row.busy and (mode == "PASSIVE" or row.log == row.checkpointed)
        self.last = CheckpointOutcome(mode, "done" if done else "busy", time.time())
        return row

    async def close(self) -> None:
        if self.running is not None:
            await self.running
        await asyncio.get_running_loop().run_in_executor(None, self._close)

    def _close(self) -> None:
        with self.lock:  # after a truncate a thread may still be running
            if self.connection is not None:
                self.connection.close()
                self.connection = None


class OffLoopReaders:
    """SELECTs run on threads of their own, each on a read-only connection of its thread:
    what is too long for the loop's thread. SQLite releases the GIL while it steps, so
    the loop answers other requests meanwhile; a read whose request is cancelled (its
    deadline) is interrupted."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.executor = ThreadPoolExecutor(OFF_LOOP_READERS, thread_name_prefix="sqlite-read")
        self.local = threading.local()
        self.opened: list[sqlite3.Connection] = []

    async def read(self, query: str, values: list[Any] | None) -> list[sqlite3.Row]:
        running: list[sqlite3.Connection] = []
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, self._read, running, query, values)
        except asyncio.CancelledError:
            if running:
                running[0].interrupt()
            raise

    def _read(
        self, running: list[sqlite3.Connection], query: str, values: list[Any] | None
    ) -> list[sqlite3.Row]:
        connection: sqlite3.Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = _open(
                self.filename, busy_timeout=READER_THREAD_BUSY_TIMEOUT_MS, query_only="ON"
            )
            self.local.connection = connection
            self.opened.append(connection)
        running.append(connection)
        try:
            return connection.execute(_escaped(query), values or ()).fetchall()
        finally:
            running.clear()

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        for connection in self.opened:
            connection.close()
        self.opened.clear()


class InPlace:
    """The calls Tortoise makes on an aiosqlite connection, answered at once by a sqlite3
    connection of the loop's thread."""

    def __init__(self, connection: sqlite3.Connection, checkpointer: Checkpointer) -> None:
        self.connection = connection
        self.checkpointer = checkpointer

    @property
    def total_changes(self) -> int:
        return self.connection.total_changes

    # aiosqlite's signatures (Iterable), which Tortoise calls with lists: sqlite3's ask for
    # a sequence, hence the arg-type ignores.
    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters or ())  # type: ignore[arg-type]

    async def execute_insert(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> tuple[int | None]:
        return (self.connection.execute(sql, parameters or ()).lastrowid,)  # type: ignore[arg-type]

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[sqlite3.Row]:
        return self.connection.execute(sql, parameters or ()).fetchall()  # type: ignore[arg-type]

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None:
        self.connection.executemany(sql, parameters)  # type: ignore[arg-type]

    async def executescript(self, script: str) -> None:
        self.connection.executescript(script)

    async def commit(self) -> None:
        self.connection.commit()
        self.checkpointer.committed()

    async def rollback(self) -> None:
        self.connection.rollback()


class SqliteClient(TortoiseSqliteClient):
    # Set together, and only with in_place() true: the union-attr ignores below rely on it.
    _reader: sqlite3.Connection | None = None
    _writer: InPlace | None = None
    _thread: int | None = None
    _off_loop_readers: OffLoopReaders | None = None
    # When the SELECT running in the loop's thread is interrupted (READ_BUDGET_S).
    _deadline = math.inf

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self._reader is None and self.filename != ":memory:":
            # A separate in-memory database would answer nothing this one holds.
            reader = _open(self.filename, busy_timeout=READER_BUSY_TIMEOUT_MS, query_only="ON")
            writer = _open(
                self.filename, **{**self.pragmas, "busy_timeout": 0, "wal_autocheckpoint": 0}
            )
            for connection in (reader, writer):
                connection.set_progress_handler(self._overran, PROGRESS_STEP)
            wal_limit = int(self.pragmas.get("journal_size_limit", -1))
            self._reader = reader
            self._writer = InPlace(writer, Checkpointer(self.filename, wal_limit))
            self._off_loop_readers = OffLoopReaders(self.filename)
            self._thread = threading.get_ident()

    def _overran(self) -> bool:
        return time.perf_counter() > self._deadline

    async def close(self) -> None:
        if self._reader is not None:
            await self._writer.checkpointer.close()  # type: ignore[union-attr]
            self._off_loop_readers.close()  # type: ignore[union-attr]
            self._reader.close()
            self._writer.connection.close()  # type: ignore[union-attr]
            self._reader = self._writer = self._thread = self._off_loop_readers = None
        await super().close()

    @property
    def checkpointer(self) -> Checkpointer | None:
        """This process's checkpointer (None for an in-memory database), for /metrics."""
        return self._writer.checkpointer if self._writer is not None else None

    async def truncate_wal(self) -> WalCheckpoint:
        """Empty the write-ahead log (a TRUNCATE checkpoint) on a thread of the loop's
        executor, with the checkpointer's connection: the erased values of a termination
        are gone from the files once it is emptied (DESIGN §2)."""
        await self.create_connection(with_db=True)
        if self._writer is None:  # an in-memory database has no log
            return WalCheckpoint(busy=0, log=0, checkpointed=0)
        checkpointer = self._writer.checkpointer
        return await asyncio.get_running_loop().run_in_executor(None, checkpointer.truncate)

    def in_place(self) -> bool:
        """Whether this task may use the loop's connections: not under `off_the_loop()`,
        and not from another thread (sqlite3 refuses them to any other: the tests' live
        servers run in threads of their own)."""
        return self._thread == threading.get_ident() and not _off_loop.get()

    def _in_transaction(self) -> SqliteTransactionContext:
        return Transaction(SqliteTransactionWrapper(self), self._lock)

    @translate_exceptions
    async def execute_insert(self, query: str, values: list[Any]) -> int:
        written = self._write(query, values)
        # An INSERT's cursor always has a lastrowid.
        return written.lastrowid if written else await super().execute_insert(query, values)  # type: ignore[return-value]

    @translate_exceptions
    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        if _is_select(query):
            # sqlite3.Row answers by column name as the dicts Tortoise reads (return-value below).
            rows = await self._select(query, values)
            if rows is not None:
                return len(rows), rows  # type: ignore[return-value]
        elif written := self._write(query, values):
            return written.changes or len(written.rows), written.rows  # type: ignore[return-value]
        answered: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(query, values)
        return answered

    @translate_exceptions
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        if _is_select(query):
            rows = await self._select(query, values)
        else:
            rows = written.rows if (written := self._write(query, values)) else None
        if rows is None:
            dicts: list[dict[str, Any]] = await super().execute_query_dict(query, values)
            return dicts
        return list(map(dict, rows))

    async def _select(self, query: str, values: list[Any] | None) -> list[sqlite3.Row] | None:
        """The rows of a SELECT: in place within READ_BUDGET_S, else on a reader thread;
        None for an in-memory database, which only aiosqlite's connection holds."""
        rows = self._read(query, values)
        if rows is None and self._off_loop_readers is not None:
            rows = await self._off_loop_readers.read(query, values)
            self.log.debug("%s: %s", query, values)
        return rows

    def _read(self, query: str, values: list[Any] | None) -> list[sqlite3.Row] | None:
        """The rows of a SELECT, read in place; None when a reader thread must run it (it
        ran past READ_BUDGET_S, waited for a lock, or this task may not read in place).

        The writer reads too while no transaction holds it: a commit by another
        connection empties a connection's whole page cache, but not one of its own, so
        reads that follow the audit entry each operation writes stay warm (a COUNT of
        10,000 members: 140 -> 30 us). The reader answers while a transaction is open.
        """
        if not self.in_place():
            return None
        writer = self._writer.connection  # type: ignore[union-attr]
        self._deadline = time.perf_counter() + _read_budget.get()
        try:
            return self._run(self._reader if writer.in_transaction else writer, query, values)  # type: ignore[arg-type]
        finally:
            self._deadline = math.inf

    def _write(self, query: str, values: list[Any] | None) -> Written | None:
        """A statement outside a transaction, written in place; None when the worker
        thread must run it (another thread, a transaction in place that holds the
        writer, another process's lock)."""
        if not self.in_place() or self._lock.locked():
            return None
        connection = self._writer.connection  # type: ignore[union-attr]
        before = connection.total_changes
        cursor = connection.cursor()
        rows = self._run(cursor, query, values)
        if rows is None:
            return None
        self._writer.checkpointer.committed()  # type: ignore[union-attr]
        return Written(rows, connection.total_changes - before, cursor.lastrowid)

    def _run(
        self, runner: sqlite3.Connection | sqlite3.Cursor, query: str, values: list[Any] | None
    ) -> list[sqlite3.Row] | None:
        query = _escaped(query)
        try:
            rows = runner.execute(query, values or ()).fetchall()
        except sqlite3.OperationalError as error:
            # Another connection's lock, or a SELECT past its budget: it changed nothing.
            if is_busy(error) or is_interrupted(error):
                return None
            self.log.debug("%s: %s", query, values)
            raise
        self.log.debug("%s: %s", query, values)
        return rows


class Written(NamedTuple):
    rows: list[sqlite3.Row]
    changes: int
    lastrowid: int | None

    def __bool__(self) -> bool:  # a write with no rows back still happened
        return True


class Transaction(SqliteTransactionContext):
    """A transaction on the writer in place when it can take the write lock at once,
    else Tortoise's on aiosqlite's worker thread, which waits for it."""

    async def __aenter__(self) -> SqliteTransactionWrapper:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            if not await self._begin_in_place_soon():
                await self._begin_on_worker()
        except BaseException:
            self._trxlock.release()
            raise
        self.token = get_connections().set(self.connection_name, self.connection)
        connection: SqliteTransactionWrapper = self.connection
        return connection

    async def _begin_in_place_soon(self) -> bool:
        """BEGIN IMMEDIATE in place, once a TRUNCATE this process tries has ended, polled
        every LOCK_POLL_S while another process holds the write lock; False when this
        task may not begin in place or the lock stayed taken for LOCK_WAIT_IN_PLACE_S."""
        client = self.connection._parent
        if not client.in_place():
            return False
        if client.checkpointer is not None:
            await client.checkpointer.truncated()
        deadline = time.monotonic() + LOCK_WAIT_IN_PLACE_S
        while not self._begin_in_place():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(LOCK_POLL_S)
        return True

    def _begin_in_place(self) -> bool:
        client = self.connection._parent
        try:
            client._writer.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if is_busy(error):
                return False
            raise
        self.connection._connection = client._writer
        return True

    async def _begin_on_worker(self) -> None:
        """Tortoise's begin, but IMMEDIATE: waits (busy_timeout) for the write lock."""
        connection = self.connection._connection
        begun = asyncio.ensure_future(self._begin_immediately(connection))
        try:
            await asyncio.shield(begun)
        except asyncio.CancelledError:
            # The worker thread goes on waiting and then begins: a transaction nobody
            # owns would hold the write lock, and take in the next writes sent outside one.
            with suppress(Exception):
                await begun
                await connection.rollback()
            raise

    @staticmethod
    async def _begin_immediately(connection: Any) -> None:
        try:
            await connection.commit()
            await connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            writer = self.connection._parent._writer
            if writer is not None and self.connection._connection is not writer:
                writer.checkpointer.committed()  # a commit on the worker grows the log too
            # Tortoise leaves a transaction that failed to finalise open; the next
            # BEGIN on this connection would fail for good.
            if writer is not None and writer.connection.in_transaction:
                writer.connection.rollback()


client_class = SqliteClient
