"""Ledger postings as they happen, for the `pointsPosted` subscription.

A subscriber sees an entry only once the transaction that posted it has committed:
- PostgreSQL: `announce` sends a NOTIFY inside the posting's transaction. PostgreSQL
  delivers it at commit, and never after a rollback, to every server process that
  LISTENs, this one included, so a posting made through one process reaches
  subscribers on all of them.
- SQLite: one process serves the database, so `announce` hands the entry to this
  process's subscribers directly. Each reads the entry back, in a transaction, before
  yielding it: Tortoise's SQLite client runs one transaction at a time on its single
  connection, so that read waits for the posting's transaction to end, and finds
  nothing after a rollback. (A plain read would not wait: it is answered at once from
  the last commit, see shortcuts/sqlite.py.)
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from tortoise import connections

from models.db import dialect
from models.points import PointsEntry
from services.db import transaction

log = logging.getLogger("memberhub.events")

CHANNEL = "memberhub_points_posted"
# Sent to subscribers when the LISTEN connection drops: their streams end with an
# error (clients resubscribe) rather than going silently deaf.
_INTERRUPTED = -1


class StreamInterrupted(Exception):
    """The server lost its feed of postings; subscribe again."""


async def announce(conn: Any, entry: PointsEntry) -> None:
    """Make a posted entry known to subscribers once `conn`'s transaction commits."""
    member_id: int = entry.member_id
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, f"{member_id}:{entry.id}"])
        return
    hub = _HUBS.get(asyncio.get_running_loop())
    if hub is not None:
        hub.publish(member_id, entry.id)


async def postings(member_id: int) -> AsyncIterator[PointsEntry]:
    """The member's ledger entries as they are committed, from now on, until closed.

    Raises StreamInterrupted when the server loses its feed of postings.
    """
    hub = _HUBS.setdefault(asyncio.get_running_loop(), Hub())
    last_id = 0
    async with hub.subscription(member_id) as queue:
        while True:
            entry_id = await queue.get()
            if entry_id == _INTERRUPTED:
                raise StreamInterrupted("The feed of postings was interrupted; subscribe again.")
            # SQLite gives a rolled-back entry's id to the next insert, which may be
            # another member's entry, or this member's already announced under it.
            async with transaction() as conn:
                entry = await PointsEntry.get_or_none(
                    id=entry_id, member_id=member_id, using_db=conn
                )
            if entry is not None and entry.id > last_id:
                last_id = entry.id
                yield entry


class Hub:
    """This process's subscribers by member, and on PostgreSQL the LISTEN connection
    feeding them, open only while someone subscribes."""

    def __init__(self) -> None:
        self.queues: dict[int, set[asyncio.Queue[int]]] = {}
        self.listener: asyncpg.Connection | None = None
        self.lock = asyncio.Lock()

    def publish(self, member_id: int, entry_id: int) -> None:
        for queue in self.queues.get(member_id, ()):
            queue.put_nowait(entry_id)

    def interrupt(self) -> None:
        self.listener = None
        for queues in self.queues.values():
            for queue in queues:
                queue.put_nowait(_INTERRUPTED)

    @asynccontextmanager
    async def subscription(self, member_id: int) -> AsyncIterator[asyncio.Queue[int]]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        async with self.lock:
            if self.listener is None and dialect() == "postgres":
                self.listener = await self._listen()
            self.queues.setdefault(member_id, set()).add(queue)
        try:
            yield queue
        finally:
            async with self.lock:
                self._forget(member_id, queue)
                if not self.queues and self.listener is not None:
                    listener, self.listener = self.listener, None
                    await listener.close()

    def _forget(self, member_id: int, queue: asyncio.Queue[int]) -> None:
        queues = self.queues.get(member_id, set())
        queues.discard(queue)
        if not queues:
            self.queues.pop(member_id, None)

    async def _listen(self) -> asyncpg.Connection:
        client = connections.get("default")
        listener = await asyncpg.connect(
            host=client.host,
            port=client.port,
            user=client.user,
            password=client.password,
            database=client.database,
        )
        await listener.add_listener(CHANNEL, self._notified)
        listener.add_termination_listener(self._terminated)
        return listener

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        member_id, _, entry_id = payload.partition(":")
        self.publish(int(member_id), int(entry_id))

    def _terminated(self, connection: Any) -> None:
        if connection is self.listener:
            log.warning("the LISTEN connection for %s was lost", CHANNEL)
            self.interrupt()


# One hub per event loop: a server process runs one loop; tests run one per test.
_HUBS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
