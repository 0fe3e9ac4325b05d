"""Write transactions that are safe across processes on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import OperationalError, TransactionManagementError

T = TypeVar("T")
BUSY_RETRIES = 8


def _is_busy(error: BaseException) -> bool:
    text = str(error).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or isinstance(error, sqlite3.OperationalError)
        and "locked" in text
    )


async def retry_busy(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a write transaction, retrying a bounded number of times on SQLITE_BUSY.

    The busy timeout already waits inside SQLite; this covers the cases it cannot
    (a deferred transaction that must not upgrade), so no client sees "locked".
    """
    for attempt in range(BUSY_RETRIES):
        try:
            return await operation()
        except (OperationalError, TransactionManagementError) as error:
            if not _is_busy(error) or attempt == BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
