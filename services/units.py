"""Units of work (DESIGN §4): everything an operation changes commits in one transaction
with the records that account for it (its audit entry), so a crash at any moment leaves
both or neither.

Services open their transactions with `services.db.transaction()`. Inside a unit (a
GraphQL mutation, a batch of a job) the first one joins the unit to a database
transaction and every later one is a savepoint in it. The join is lazy, so what comes
before the first write (a password check, validation) holds no write lock; from then on
the unit's statements, its payload's reads included, go through the transaction and see
its own changes. The unit ends with `commit` (its changes and records) or `rollback`.

Units of one process that write at about the same time share a transaction (group
commit). The first to write opens it and leads; units that want to write meanwhile wait
for their turn and run one after another, each in a savepoint of its own, so one that
fails rolls back to it and nothing else. Once no unit runs or waits, and the operations
still running (`expect_writes`) have had GATHER_SECONDS to begin theirs, the leader
writes every unit's records (one chain write) and commits once. On SQLite writers
wait for one another anyway: together they pay one transaction, one chain write and one
commit instead of one each. PostgreSQL runs writers side by side, so there each unit
commits alone.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction

from services.errors import InvalidState

log = logging.getLogger(__name__)

# A batch's units run one after another: a larger one would make its first unit's
# answer wait longer than the commits it saves are worth.
BATCH_UNITS = 16
# The longest a leader waits for units still on their way to their first write.
GATHER_SECONDS = 0.005

Record = Any
Recorder = Callable[[Any, list[Record]], Awaitable[None]]


class _Batch:
    """Units sharing one transaction, and whose turn it is in it."""

    def __init__(self, recorder: Recorder, capacity: int) -> None:
        self.recorder = recorder
        self.capacity = capacity
        self.turn = asyncio.Lock()
        self.context: TransactionContext | None = None
        self.connection: Any = None
        self.records: list[Record] = []
        self.units = 0  # joined so far, the leader included
        self.running = 0  # joined units whose body has not ended
        self.waiting = 0  # units waiting for their turn
        self.closing = False
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def accepts(self, recorder: Recorder) -> bool:
        return not self.closing and self.units < self.capacity and recorder is self.recorder

    @property
    def busy(self) -> bool:
        return self.running > 0 or self.waiting > 0


class _Units:
    """This event loop's units (the tests' live servers run loops of their own)."""

    def __init__(self) -> None:
        self.batch: _Batch | None = None
        self.pending = 0  # operations running that have not begun a unit (may yet)
        self.moved = asyncio.Event()  # an operation began a unit or ended, a unit left its turn

    def nudge(self) -> None:
        self.moved.set()


_LOOPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Units] = weakref.WeakKeyDictionary()


def _units() -> _Units:
    loop = asyncio.get_running_loop()
    units = _LOOPS.get(loop)
    if units is None:
        units = _LOOPS[loop] = _Units()
    return units


class Counted:
    """An operation that something waiting counts, until `release` (once) says it no
    longer needs to wait for it."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


_PENDING: ContextVar[Counted | None] = ContextVar("memberhub_pending_operation", default=None)


def expect_writes() -> Counted:
    """Count the operation this task runs as one that may write: until it begins a unit
    of work, or is released (it ended, or will not write), a batch about to commit waits
    for it a moment, so that it joins."""
    units = _units()
    units.pending += 1

    def settled() -> None:
        units.pending -= 1
        units.nudge()

    pending = Counted(settled)
    _PENDING.set(pending)  # a request's task runs one operation: nothing to restore
    return pending


class Unit:
    """One operation's changes, committed at once with the records that account for it."""

    def __init__(self, recorder: Recorder) -> None:
        self.task = asyncio.current_task()
        self.recorder = recorder
        self.batch: _Batch | None = None
        self.leads = False
        self.begun = False
        self.committed = False
        self._savepoint: TransactionContext | None = None
        self._token: Any = None
        self.token: Any = None  # what start_unit set, for end_unit to reset
        self._after_commit: list[Callable[[], Awaitable[object]]] = []

    async def begin(self) -> None:
        """Join the transaction of this process's open batch, or open and lead one."""
        # The transaction's connection is bound in the task's context, where the rest of
        # the operation runs; begun from a task of its own, it would serve that task only.
        if asyncio.current_task() is not self.task:
            raise RuntimeError("a unit of work begins in the task that runs its operation")
        units = _units()
        pending = _PENDING.get()
        if pending is not None:
            pending.release()
        while units.batch is not None and units.batch.accepts(self.recorder):
            if await self._join(units, units.batch):
                return
        await self._lead(units)

    async def _join(self, units: _Units, batch: _Batch) -> bool:
        batch.waiting += 1
        try:
            await batch.turn.acquire()
        finally:
            batch.waiting -= 1
            units.nudge()
        if not batch.accepts(self.recorder):  # it closed while this unit waited
            batch.turn.release()
            return False
        # Counted as running before anything is awaited, or the leader would commit
        # meanwhile (on SQLite's worker thread, the savepoint below is awaited for real).
        self._enter(batch)
        self._token = connections.set("default", batch.connection)
        # A savepoint of its own: if it fails, the units before it in the batch stay.
        savepoint = in_transaction()
        try:
            await savepoint.__aenter__()
        except BaseException:
            self.begun = False
            await self._leave(batch)
            raise
        self._savepoint = savepoint
        return True

    async def _lead(self, units: _Units) -> None:
        dialect = connections.get("default").capabilities.dialect
        batch = _Batch(self.recorder, 1 if dialect == "postgres" else BATCH_UNITS)
        await batch.turn.acquire()
        # Open before its transaction is: units that come while it waits for the write
        # lock (another batch committing) join this one. A batch of one is nobody's to
        # join: the others lead their own.
        if batch.capacity > 1:
            units.batch = batch
        context = in_transaction()
        try:
            batch.connection = await context.__aenter__()
        except BaseException:
            self._close_empty(units, batch)
            raise
        batch.context = context
        self.leads = True
        self._enter(batch)

    def _enter(self, batch: _Batch) -> None:
        batch.units += 1
        batch.running += 1
        self.batch = batch
        self.begun = True

    def after_commit(self, callback: Callable[[], Awaitable[object]]) -> None:
        self._after_commit.append(callback)

    async def commit(self, records: list[Record]) -> None:
        """End the unit with its changes and `records`, and wait until they are committed
        with the rest of its batch. Raises what the batch's commit raised: then nothing of
        the unit is kept. Cancelled meanwhile, it still waits for the batch (briefly: its
        units have all ended), so that `committed` tells the truth, then re-raises."""
        batch = self._ending()
        batch.records.extend(records)  # before any await: the batch may commit meanwhile
        try:
            if self._savepoint is not None:
                await self._savepoint.__aexit__(None, None, None)
        except BaseException:
            del batch.records[len(batch.records) - len(records) :]
            await self._leave(batch)
            raise
        cancelled = await self._leave(batch)
        self.committed = True
        if cancelled is not None:
            raise cancelled

    async def rollback(self, error: BaseException) -> None:
        """End the unit keeping nothing of it; the rest of its batch goes on."""
        batch = self._ending()
        if self.leads:
            # Nobody joined yet (they do once the leader's turn ends): the whole
            # transaction is the leader's.
            assert batch.context is not None
            self._close_empty(_units(), batch)
            await batch.context.__aexit__(type(error), error, error.__traceback__)
            return
        try:
            assert self._savepoint is not None
            await self._savepoint.__aexit__(type(error), error, error.__traceback__)
        finally:
            cancelled = await self._leave(batch)
        if cancelled is not None:
            raise cancelled

    def _ending(self) -> _Batch:
        if self.batch is None or not self.begun:
            raise RuntimeError("the unit of work has no transaction")
        self.begun = False
        return self.batch

    async def _leave(self, batch: _Batch) -> BaseException | None:
        """Give the turn to the next unit and wait for the batch's commit: as its leader,
        by committing it. Raises the commit's failure; returns a cancellation of this
        unit's task that came meanwhile, for the caller to raise."""
        if self._token is not None:
            connections.reset(self._token)
            self._token = None
        units = _units()
        batch.running -= 1
        batch.turn.release()
        units.nudge()
        if self.leads:
            return await _close(units, batch)
        return await _outcome(batch.committed)

    @staticmethod
    def _close_empty(units: _Units, batch: _Batch) -> None:
        batch.closing = True
        if units.batch is batch:
            units.batch = None
        batch.turn.release()
        units.nudge()


async def _outcome(work: asyncio.Future[None]) -> BaseException | None:
    """Wait for `work` even through cancellations of the waiter: what one unit's request
    does cannot stop a commit others depend on, nor may a unit end before knowing whether
    its changes were kept. Raises `work`'s failure; returns the cancellation to raise."""
    cancelled: BaseException | None = None
    while not work.done():
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError as error:
            if work.done() and work.cancelled():
                raise
            cancelled = error
    work.result()
    return cancelled


async def _close(units: _Units, batch: _Batch) -> BaseException | None:
    """The leader's part: once no unit of the batch runs or waits, and the operations
    still running had GATHER_SECONDS to join, write the batch's records and commit.
    Returns a cancellation of the leader that came meanwhile, for it to raise."""
    loop = asyncio.get_running_loop()
    gathered_by = loop.time() + GATHER_SECONDS
    cancelled: BaseException | None = None
    while batch.busy or (
        units.pending > 0 and batch.units < batch.capacity and loop.time() < gathered_by
    ):
        units.moved.clear()
        try:
            if batch.busy:
                await units.moved.wait()
            else:
                await asyncio.wait_for(units.moved.wait(), gathered_by - loop.time())
        except TimeoutError:
            pass
        except asyncio.CancelledError as error:  # the leader's request: the batch goes on
            cancelled = error
    batch.closing = True
    if units.batch is batch:
        units.batch = None
    assert batch.context is not None
    # Recorded and committed in a task of its own, which the leader's cancellation cannot
    # interrupt half-way; the transaction's context is left in the leader's task, where
    # it was entered (Tortoise binds the transaction's connection to that task's context).
    committing = asyncio.ensure_future(_record_and_commit(batch))
    try:
        cancelled = await _outcome(committing) or cancelled
    except Exception as failure:
        await batch.context.__aexit__(type(failure), failure, failure.__traceback__)
        batch.committed.set_exception(failure)
        batch.committed.exception()  # retrieved: a unit alone in its batch has no follower
        raise
    await batch.context.__aexit__(None, None, None)
    batch.committed.set_result(None)
    return cancelled


async def _record_and_commit(batch: _Batch) -> None:
    if batch.records:
        await batch.recorder(batch.connection, batch.records)
    await batch.connection.commit()


_UNIT: ContextVar[Unit | None] = ContextVar("memberhub_unit", default=None)


def start_unit(recorder: Recorder) -> Unit:
    """A unit of work for what this task runs next, until `end_unit`: the caller commits
    it with its records (written by `recorder` into the transaction, with those of the
    units committed together)."""
    outer = _UNIT.get()
    if outer is not None and outer.begun:
        # A job inside a mutation that has written already (two root fields).
        raise InvalidState(
            "This commits in batches of its own: send it in a mutation that writes nothing else."
        )
    unit = Unit(recorder)
    unit.token = _UNIT.set(unit)
    return unit


async def end_unit(unit: Unit, error: BaseException | None) -> None:
    """End what `start_unit` began: with `error` (which escaped the unit's work) what it
    began rolls back; committed, what waited for its commit runs."""
    try:
        if unit.begun:
            await unit.rollback(error or RuntimeError("a unit of work ended uncommitted"))
    finally:
        _UNIT.reset(unit.token)
    if unit.committed:  # outside the unit: its work is done, this is what follows it
        for callback in unit._after_commit:
            try:
                await callback()
            except Exception:  # the commit stands: its answer must not say otherwise
                log.exception("work after a commit failed (the commit stands)")


@asynccontextmanager
async def unit_of_work(recorder: Recorder) -> AsyncIterator[Unit]:
    """Run the block as one unit (`start_unit`), which the caller commits or rolls back.
    An error that escapes the block rolls back what it began."""
    unit = start_unit(recorder)
    try:
        yield unit
    except BaseException as error:
        await end_unit(unit, error)
        raise
    await end_unit(unit, None)


def writes_nothing() -> None:
    """The operation this task runs is no mutation: what it opens are transactions of
    their own (a subscription reads each posting in one, for as long as it streams)."""
    _UNIT.set(None)


def current_unit() -> Unit | None:
    return _UNIT.get()


def in_unit_transaction() -> bool:
    """Whether a unit of work's transaction is open in this context."""
    unit = _UNIT.get()
    return unit is not None and unit.begun
