"""Write transactions that are safe across processes on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import OperationalError, TransactionManagementError

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
