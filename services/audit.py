"""The audit chain (DESIGN §4): append-only entries, each hashing its predecessor."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.audit import AuditEntry, AuditHead
from models.enums import AuditOutcome
from services.clock import as_utc
from services.db import retry_busy

HEAD_ID = 1


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None


def _content(entry: AuditEntry) -> dict[str, Any]:
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


def entry_hash(prev_hash: str | None, entry: AuditEntry) -> str:
    canonical = json.dumps(
        _content(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(((prev_hash or "") + canonical).encode()).hexdigest()


async def ensure_head() -> None:
    if not await AuditHead.exists(id=HEAD_ID):
        await AuditHead.get_or_create(id=HEAD_ID, defaults={"count": 0})


async def append(entry: AuditEntry) -> AuditEntry:
    """Append `entry` (unsaved) to the chain, serialised across processes by the head row."""

    async def write() -> AuditEntry:
        async with in_transaction() as conn:
            # A write first: it takes the lock before anything is read (DESIGN §2 concurrency).
            updated = await AuditHead.filter(id=HEAD_ID).using_db(conn).update(count=F("count") + 1)
            if not updated:
                await AuditHead.create(id=HEAD_ID, count=1, using_db=conn)
            head = await AuditHead.get(id=HEAD_ID).using_db(conn)
            entry.duration_ms = round(float(entry.duration_ms), 3)
            entry.prev_hash = head.last_hash
            entry.hash = entry_hash(head.last_hash, entry)
            await entry.save(using_db=conn)
            await AuditHead.filter(id=HEAD_ID).using_db(conn).update(last_hash=entry.hash)
            return entry

    return await retry_busy(write)


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
