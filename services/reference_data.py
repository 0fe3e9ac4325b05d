"""The reference data, kept in memory between requests (issue 27): the tier ladder, the tag
definitions and the benefits each tier holds. Nearly every member screen and page reads
them; they change a few times a day.

A read asks the version row first (models/reference_data.py), which triggers move in
the same transaction as any write to those tables, by this process or another: the copy
is read again once it moved. Within `read_once()` (a query's execution, which writes
nothing but its audit entry) only the first read asks: a member screen reads the ladder,
the tags and the benefits. What a transaction reads is never kept: its view may be
rolled back. What is handed out is shared by every request: read it, never change it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from models.benefit import Benefit
from models.reference_data import VERSION_TABLE
from models.tag import TagDefinition
from models.tier import Tier
from shortcuts.rows import models_from, select

_VERSION = f"SELECT version FROM {VERSION_TABLE}"
_LADDER = 'SELECT * FROM "tier" ORDER BY "rank"'
_TAGS = 'SELECT * FROM "tag_definition"'
# Each benefit a tier holds, with the tier.
_HELD = (
    'SELECT bt."tier_id" AS holder_tier_id, b.* FROM "benefit_tier" bt'
    ' JOIN "benefit" b ON b."id" = bt."benefit_id"'
)


@dataclass(frozen=True)
class ReferenceData:
    version: int
    ladder: list[Tier]  # every tier, entry tier first
    # Every tag definition, retired ones too, by id: their counters are as old as the copy
    # (COUNTERS in models/reference_data.py).
    tags: dict[int, TagDefinition]
    held: dict[int, list[Benefit]]  # by tier id: the benefits it holds, active or not, by code


_kept: ReferenceData | None = None
# The first read within `read_once()`, which every later one awaits: two loaders' batches
# may ask at once. In a list, so that the tasks the block starts, which copy the context,
# share it.
_READ_ONCE: ContextVar[list[asyncio.Future[ReferenceData]] | None] = ContextVar(
    "read_once", default=None
)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block, which must write none of it, the reference data is read (its
    version asked) once."""
    token = _READ_ONCE.set([])
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


async def reference_data() -> ReferenceData:
    """The reference data as committed now: the copy kept, unless the version moved."""
    once = _READ_ONCE.get()
    if once is None:
        return await _current()
    if once:
        # Shielded: a waiter's cancellation is not the reader's.
        return await asyncio.shield(once[0])
    # Read in this task, not one of its own: a hop through the loop put a trivial query
    # behind every turn of the searches beside it (its p95: 2.5 -> 4.2 times idle).
    reading = asyncio.get_running_loop().create_future()
    once.append(reading)
    try:
        found = await _current()
    except BaseException as error:
        once.remove(reading)  # a read that failed: the next one tries again
        if isinstance(error, Exception):
            reading.set_exception(error)
            reading.exception()  # the waiters, if any, see it; none need be
        else:
            reading.cancel()
        raise
    reading.set_result(found)
    return found


async def _current() -> ReferenceData:
    global _kept
    conn = connections.get("default")
    version = (await conn.execute_query_dict(_VERSION))[0]["version"]
    kept = _kept
    if kept is not None and kept.version == version:
        return kept
    # Read after the version: a write in between only makes the next read look again.
    found = await _read(conn, version)
    if not isinstance(conn, TransactionalDBClient):
        _kept = found
    return found


async def read_ladder(conn: Any) -> list[Tier]:
    """Every tier, entry tier first, as `conn` sees it now (no copy kept)."""
    return await select(Tier, conn, _LADDER, [])


async def _read(conn: Any, version: int) -> ReferenceData:
    ladder = await read_ladder(conn)
    tags = await select(TagDefinition, conn, _TAGS, [])
    _, rows = await conn.execute_query(_HELD)
    held: dict[int, list[Benefit]] = {tier.id: [] for tier in ladder}
    # A row's benefit columns build the model; its holder_tier_id is no Benefit field.
    for row, benefit in zip(rows, models_from(Benefit, rows), strict=True):
        held.setdefault(row["holder_tier_id"], []).append(benefit)
    for benefits in held.values():
        benefits.sort(key=lambda benefit: benefit.code)  # as Python orders, not a collation
    return ReferenceData(version, ladder, {tag.id: tag for tag in tags}, held)
