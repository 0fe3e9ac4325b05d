"""Write transactions that are safe across processes on SQLite and PostgreSQL, and units
of work: one commit for everything an operation changes together with its audit entry.

Services open their transactions with `transaction()`. Outside a unit that is a
transaction of its own. Inside one (a GraphQL mutation, a batch of a job), the first
`transaction()` begins the unit's database transaction and every later one is a savepoint
in it; nothing commits until the unit writes its audit entry into the same transaction
(DESIGN §4), so a crash at any moment leaves both or neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from tortoise.backends.base.client import TransactionContext
from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from models.sqlite import is_busy

T = TypeVar("T")
BUSY_RETRIES = 8


async def retry_busy(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a write transaction, retrying a bounded number of times on SQLITE_BUSY.

    The busy timeout already waits inside SQLite; this covers the cases it cannot
    (a deferred transaction that must not upgrade), so no client sees "locked".
    """
    for attempt in range(BUSY_RETRIES):
        try:
            return await operation()
        except (OperationalError, TransactionManagementError) as error:
            if not is_busy(error) or attempt == BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


class Unit:
    """What one operation changes, committed at once with the entry that records it.

    The database transaction begins lazily, at the first `transaction()` a service opens,
    so work before it (a password check, validation) holds no write lock. It stays open
    until `commit`: the operation's later reads (its payload) go through it and see its
    own changes.
    """

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.connection: Any = None
        self._context: TransactionContext | None = None
        self._after_commit: list[Callable[[], Awaitable[object]]] = []
        self.committed = False

    @property
    def begun(self) -> bool:
        return self._context is not None

    async def begin(self) -> None:
        # The transaction's connection is bound in the task's context, where the rest of
        # the operation runs; begun from a task of its own, it would serve that task only.
        if asyncio.current_task() is not self.task:
            raise RuntimeError("a unit of work begins in the task that runs its operation")
        context = in_transaction()
        self.connection = await context.__aenter__()
        self._context = context

    def after_commit(self, callback: Callable[[], Awaitable[object]]) -> None:
        self._after_commit.append(callback)

    async def commit(self, record: Callable[[Any], Awaitable[None]]) -> None:
        """Write the unit's record into its transaction and commit; what waits for the
        commit runs once the unit ends. Raises whatever the record or the commit raised
        (nothing is kept)."""
        context = self._take()
        try:
            await record(self.connection)
        except BaseException as error:
            await context.__aexit__(type(error), error, error.__traceback__)
            raise
        await context.__aexit__(None, None, None)
        self.committed = True

    async def rollback(self, error: BaseException) -> None:
        context = self._take()
        await context.__aexit__(type(error), error, error.__traceback__)

    def _take(self) -> TransactionContext:
        context, self._context = self._context, None
        if context is None:
            raise RuntimeError("the unit of work has no transaction")
        return context


_UNIT: ContextVar[Unit | None] = ContextVar("memberhub_unit", default=None)


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[Unit]:
    """Run the block as one unit; the caller commits it (with its record) or rolls it back.
    An error that escapes the block rolls back what it began."""
    outer = _UNIT.get()
    if outer is not None and outer.begun:
        raise RuntimeError("a unit of work cannot start inside another one's transaction")
    unit = Unit()
    token = _UNIT.set(unit)
    try:
        yield unit
        if unit.begun:
            raise RuntimeError("a unit of work ended without committing its transaction")
    except BaseException as error:
        if unit.begun:
            await unit.rollback(error)
        raise
    finally:
        _UNIT.reset(token)
    if unit.committed:  # outside the unit: its work is done, this is what follows it
        for callback in unit._after_commit:
            await callback()


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """A transaction of its own, or inside a unit of work the unit's (a savepoint in it)."""
    unit = _UNIT.get()
    if unit is not None and not unit.begun:
        await unit.begin()
    async with in_transaction() as connection:
        yield connection


@asynccontextmanager
async def transaction_of_its_own() -> AsyncIterator[Any]:
    """A transaction committed at its end even inside a unit of work, for bookkeeping
    that must stand whatever the operation does next and must not hold the operation's
    write lock meanwhile (a sign-in attempt, counted before the password is hashed).
    Only before the unit's own transaction begins: inside it, this would wait for it."""
    if in_unit_transaction():
        raise RuntimeError("a transaction of its own cannot begin inside a unit's transaction")
    async with in_transaction() as connection:
        yield connection


async def after_commit(callback: Callable[[], Awaitable[object]]) -> None:
    """Run `callback` once what is being written is committed: at once outside a unit of
    work, after the unit's commit inside one (work that cannot run in a transaction, such
    as VACUUM, or must not see the change before it is durable)."""
    unit = _UNIT.get()
    if unit is not None and unit.begun:
        unit.after_commit(callback)
        return
    await callback()


def current_unit() -> Unit | None:
    return _UNIT.get()


def in_unit_transaction() -> bool:
    """Whether a unit of work's transaction is open in this context."""
    unit = _UNIT.get()
    return unit is not None and unit.begun
