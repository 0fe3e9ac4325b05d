"""Write transactions that are safe across processes on SQLite and PostgreSQL.

Services open their transactions with `transaction()`: a transaction of its own, or
inside a unit of work (services/units.py) the unit's, so the change commits with the
audit entry that records it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from services.units import current_unit
from shortcuts.sqlite import is_busy

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


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """A transaction of its own, or inside a unit of work the unit's (a savepoint in it)."""
    unit = current_unit()
    if unit is not None and not unit.begun:
        await unit.begin()
    async with in_transaction() as connection:
        yield connection


@asynccontextmanager
async def transaction_of_its_own() -> AsyncIterator[Any]:
    """For bookkeeping that must stand whatever the operation does next and must not hold
    the operation's write lock meanwhile (a sign-in attempt, counted before the password
    is hashed): a transaction committed at its end, even inside a unit of work whose
    transaction has not begun. Once it has (an earlier field of the same mutation wrote),
    a savepoint in it: a unit commits whatever it answers, so the bookkeeping stands."""
    async with in_transaction() as connection:
        yield connection


async def after_commit(callback: Callable[[], Awaitable[object]]) -> None:
    """Run `callback` once what is being written is committed: at once outside a unit of
    work, after the unit's commit inside one (work that cannot run in a transaction, such
    as VACUUM, or must not see the change before it is durable)."""
    unit = current_unit()
    if unit is not None and unit.begun:
        unit.after_commit(callback)
        return
    await callback()
