"""The SQLite engine: Tortoise's, with reads outside a transaction run in the loop's thread.

aiosqlite runs every statement on its worker thread, and the handoff there and back
costs about 80 us of CPU: more than most statements of a member screen take to run
(issue 7). A second connection, opened and used only in the event loop's thread,
answers the SELECTs sent outside a transaction in place. In WAL mode a reader never
waits for a writer and sees every committed write; a transaction reads through its own
connection, so it still sees its own writes. Writes stay on aiosqlite's thread: a
writer may wait seconds for another process's lock (busy_timeout), and must not hold
up the loop while it does; so does the rare read that would have to wait.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient as TortoiseSqliteClient
from tortoise.backends.sqlite.client import translate_exceptions

# How long a read in the loop's thread may wait for a lock before the worker thread
# takes it over (WAL readers wait only while a checkpoint or recovery holds the index).
READER_BUSY_TIMEOUT_MS = 50


def is_busy(error: BaseException) -> bool:
    """Whether `error` (sqlite3's, or Tortoise's wrapping of it) is another connection's lock."""
    text = str(error).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or isinstance(error, sqlite3.OperationalError)
        and "locked" in text
    )


def _is_select(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class SqliteClient(TortoiseSqliteClient):
    _reader: sqlite3.Connection | None = None
    _reader_thread: int | None = None

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self._reader is None and self.filename != ":memory:":
            # A separate in-memory database would answer nothing this one holds.
            reader = sqlite3.connect(self.filename, isolation_level=None)
            reader.row_factory = sqlite3.Row
            reader.execute(f"PRAGMA busy_timeout={READER_BUSY_TIMEOUT_MS}")
            reader.execute("PRAGMA query_only=ON")
            self._reader, self._reader_thread = reader, threading.get_ident()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = self._reader_thread = None
        await super().close()

    @translate_exceptions
    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        rows = self._read(query, values)
        if rows is None:
            return await super().execute_query(query, values)
        return len(rows), rows

    @translate_exceptions
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        rows = self._read(query, values)
        if rows is None:
            return await super().execute_query_dict(query, values)
        return list(map(dict, rows))

    def _read(self, query: str, values: list[Any] | None) -> list[sqlite3.Row] | None:
        """The rows of a SELECT, read in place; None when the worker thread must run it."""
        # The loop that opened it only (tests also serve from a thread of their own).
        if self._reader_thread != threading.get_ident() or not _is_select(query):
            return None
        query = query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise's own execute_query
        try:
            rows = self._reader.execute(query, values or ()).fetchall()
        except sqlite3.OperationalError as error:
            if is_busy(error):
                return None
            self.log.debug("%s: %s", query, values)
            raise
        self.log.debug("%s: %s", query, values)
        return rows


client_class = SqliteClient
