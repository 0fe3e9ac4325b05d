"""The audit chain (DESIGN §4): append-only entries, each hashing its predecessor."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from tortoise.transactions import in_transaction

from models.audit import AuditEntry, AuditHead
from models.enums import AuditOutcome
from services.clock import as_utc
from services.db import retry_busy
from services.units import Counted, in_unit_transaction
from shortcuts.sql import fetch_dicts, insert_rows

HEAD_ID = 1
# The longest a chain write waits for the entries of operations still running.
GATHER_SECONDS = 0.005


# An entry to append: an object with AuditEntry's fields as attributes, made without the
# model, whose building and validation cost each operation more than the rest of its
# audit (issue 7). The chain write sets its prev_hash and hash.
Entry = SimpleNamespace


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None


def _content(entry: Entry | AuditEntry) -> dict[str, Any]:
    return {
        "at": as_utc(entry.at).isoformat(),
        "actorType": entry.actor_type,
        "actorId": entry.actor_id,
        "roles": entry.roles,
        "operationType": entry.operation_type,
        "operationName": entry.operation_name,
        "fields": entry.fields_,
        "variables": entry.variables,
        "targetIds": entry.target_ids,
        "sensitiveFields": entry.sensitive_fields,
        "outcome": AuditOutcome(entry.outcome).value,
        "errorCodes": entry.error_codes,
        "ip": entry.ip,
        "userAgent": entry.user_agent,
        "requestId": entry.request_id,
        "durationMs": round(float(entry.duration_ms), 3),
    }


# The canonical JSON an entry's hash is taken over, its encoder made once.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


# What the chain keeps of an operation's variables (DESIGN §4): the chain is append-only
# and never pruned, so a caller must not be able to make it keep megabytes.
MAX_VARIABLES_BYTES = 4096
MAX_VARIABLE_TEXT = 256
TRUNCATED = "$truncated"


def bounded_variables(variables: Any) -> Any:
    """`variables` whole when their JSON fits MAX_VARIABLES_BYTES; else marked with the
    size and SHA-256 of the whole, with each long text cut, or alone when even that is
    too long. Text no database keeps (NUL, half a surrogate pair) is replaced first:
    the entry of an operation refused for it must be written all the same."""
    text = _canonical(variables)
    if "\\u0000" in text or not text.isascii() and not _encodable(text):
        variables = _storable(variables)
        text = _canonical(variables)
    whole = text.encode()
    if len(whole) <= MAX_VARIABLES_BYTES:
        return variables
    mark = {TRUNCATED: {"bytes": len(whole), "sha256": hashlib.sha256(whole).hexdigest()}}
    cut = {**mark, **_cut_texts(variables)} if isinstance(variables, dict) else mark
    return cut if len(_canonical(cut).encode()) <= MAX_VARIABLES_BYTES else mark


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str) -> str:
    """Client text as the chain can keep it: NUL (PostgreSQL keeps none) and half a
    surrogate pair (no database encodes it) replaced."""
    if text.isascii() and "\x00" not in text:  # what nearly every client sends
        return text
    return text.replace("\x00", "\ufffd").encode(errors="replace").decode()


def _storable(value: Any) -> Any:
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return storable(value) if isinstance(value, str) else value


def _cut_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _cut_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cut_texts(item) for item in value]
    if isinstance(value, str) and len(value) > MAX_VARIABLE_TEXT:
        return f"[CUT: {len(value.encode())} bytes]"
    return value


def entry_hash(prev_hash: str | None, entry: Entry | AuditEntry) -> str:
    canonical = _canonical(_content(entry))
    return hashlib.sha256(((prev_hash or "") + canonical).encode()).hexdigest()


async def ensure_head() -> None:
    if not await AuditHead.exists(id=HEAD_ID):
        await AuditHead.get_or_create(id=HEAD_ID, defaults={"count": 0})


# Counts the batch in and reads the hash to chain from, in one statement.
_TAKE_HEAD = 'UPDATE "audit_head" SET "count" = "count" + ? WHERE "id" = ? RETURNING "last_hash"'
_MOVE_HEAD = 'UPDATE "audit_head" SET "last_hash" = ? WHERE "id" = ?'


async def chain(conn: Any, batch: list[Entry]) -> None:
    """Chain and insert `batch` in `conn`'s transaction, serialised across processes by
    the head: a unit of work records its operation in the transaction of its change."""
    # A write first: it takes the lock before anything is read (DESIGN §2 concurrency).
    rows = await fetch_dicts(conn, _TAKE_HEAD, [len(batch), HEAD_ID])
    if not rows:
        await AuditHead.create(id=HEAD_ID, count=len(batch), using_db=conn)
    prev_hash = rows[0]["last_hash"] if rows else None
    for entry in batch:
        entry.duration_ms = round(float(entry.duration_ms), 3)
        entry.prev_hash = prev_hash
        entry.hash = prev_hash = entry_hash(prev_hash, entry)
    await insert_rows(conn, AuditEntry, batch)
    await fetch_dicts(conn, _MOVE_HEAD, [prev_hash, HEAD_ID])


async def _write(batch: list[Entry]) -> None:
    """Chain and insert `batch` in a transaction of its own."""

    async def write() -> None:
        async with in_transaction() as conn:
            await chain(conn, batch)

    await retry_busy(write)


class _GroupCommit:
    """Entries of operations running together go in one chain write.

    Every caller still waits until its own entry is committed, so an operation's entry
    exists when its response leaves. A write waits, for at most GATHER_SECONDS, until
    every operation still running has its entry in: a write on SQLite answers in the
    loop's thread without a pause in which others' entries could arrive, so under
    load the operations in flight would otherwise pay a transaction each.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Entry, asyncio.Future[None]]] = []
        self.running = 0  # operations begun whose entry is not yet committed
        self.drainer: asyncio.Task[None] | None = None
        self.gathered: asyncio.Future[None] | None = None

    def expect(self) -> Counted:
        """Count an operation whose entry (or none) comes before it is released."""
        self.running += 1
        return Counted(self._done)

    def _done(self) -> None:
        self.running -= 1
        self._check_gathered()

    async def append(self, entry: Entry) -> None:
        done = asyncio.get_running_loop().create_future()
        self.pending.append((entry, done))
        if self.drainer is None or self.drainer.done():
            # A task of its own: a cancelled request does not strand the others' entries.
            self.drainer = asyncio.ensure_future(self._drain())
        self._check_gathered()
        await done

    async def _drain(self) -> None:
        while self.pending:
            await self._gather()
            batch, self.pending = self.pending, []
            await self._flush(batch)

    async def _gather(self) -> None:
        if len(self.pending) >= self.running:
            return
        loop = asyncio.get_running_loop()
        self.gathered = gathered = loop.create_future()
        timer = loop.call_later(GATHER_SECONDS, _settle, gathered)
        try:
            await gathered
        finally:
            timer.cancel()
            self.gathered = None

    def _check_gathered(self) -> None:
        if self.gathered is not None and len(self.pending) >= self.running:
            _settle(self.gathered)

    @classmethod
    async def _flush(cls, batch: list[tuple[Entry, asyncio.Future[None]]]) -> None:
        try:
            await _write([entry for entry, _ in batch])
        except Exception as error:
            if len(batch) > 1:  # one entry the database refuses must not fail the others'
                for each in batch:
                    await cls._flush([each])
                return
            for _, done in batch:
                if not done.done():
                    done.set_exception(error)
        else:
            for _, done in batch:
                if not done.done():
                    done.set_result(None)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_group = _GroupCommit()


async def append(entry: Entry) -> None:
    """Append `entry` to the chain in a group commit; returns once it is committed. For an
    operation that changed nothing: a change is recorded in its own transaction (`chain`)."""
    if in_unit_transaction():
        # The group's writer would run inside this transaction, and wait for its commit.
        raise RuntimeError("an entry of a unit of work is chained in the unit's transaction")
    await _group.append(entry)


def expect_entry() -> Counted:
    """Count an operation that appends its entry (or none) before it is released: a
    chain write waits a moment for the entries of the operations running."""
    return _group.expect()


async def verify_chain(batch: int = 2000) -> ChainReport:
    """Recompute every hash in order; the first entry that does not match is named."""
    prev_hash: str | None = None
    checked = 0
    last_id = 0
    while True:
        rows = await AuditEntry.filter(id__gt=last_id).order_by("id").limit(batch)
        for entry in rows:
            checked += 1
            last_id = entry.id
            if entry.prev_hash != prev_hash or entry.hash != entry_hash(prev_hash, entry):
                return ChainReport(False, checked, entry.id)
            prev_hash = entry.hash
        if len(rows) < batch:
            break
    head = await AuditHead.get_or_none(id=HEAD_ID)
    if head is not None and (head.count != checked or head.last_hash != prev_hash):
        # The newest entries were deleted: the head still remembers them.
        return ChainReport(False, checked, last_id or None)
    return ChainReport(True, checked, None)
