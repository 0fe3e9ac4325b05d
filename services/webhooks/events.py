"""Events as they happen: one webhook delivery per enabled endpoint subscribed to the
event's type, written in the transaction of the change (an outbox, DESIGN §8).

An event's data holds ids (global ids), memberNo, codes, amounts and times, never names,
contact data or free text: whatever is sent is beyond erasure's reach.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from core.ids import to_global_id
from models.member import Member
from models.webhook import WebhookDelivery
from services.clock import as_utc
from shortcuts.sql import fetch_dicts

EVENT_TYPES = (
    "member.enrolled",
    "member.suspended",
    "member.reinstated",
    "member.terminated",
    "tier.changed",
    "points.posted",
    "points.expiring",
    "benefit.used",
    "case.opened",
    "case.overdue",
    "delivery.failed",
)


_SUBSCRIBED = 'SELECT "id", "events" FROM "webhook_endpoint" WHERE "enabled" = ?'


def _decoded(events: Any) -> list[str]:
    # SQLite's JSON column reads as text; asyncpg's jsonb as text too, unless decoded.
    return json.loads(events) if isinstance(events, str | bytes) else list(events)


def timestamp(at: datetime) -> str:
    return as_utc(at).isoformat().replace("+00:00", "Z")


async def emit(
    conn: Any, event_type: str, member_id: int, data: dict[str, Any], now: datetime
) -> None:
    """Queue the event for every enabled endpoint subscribed to `event_type`, inside
    `conn`'s transaction (None: the transaction of the context). The data gains the
    member's memberId and memberNo."""
    # Written once, not rendered by Tortoise per event: every ledger entry emits one (a
    # fifth of the points expiry job's time at 100,000 members).
    endpoints = await fetch_dicts(conn, _SUBSCRIBED, [True])
    subscribed = [
        endpoint["id"] for endpoint in endpoints if event_type in _decoded(endpoint["events"])
    ]
    if not subscribed:
        return
    member_no = (
        await Member.filter(id=member_id).using_db(conn).values_list("member_no", flat=True)
    )[0]
    payload = {
        "type": event_type,
        "timestamp": timestamp(now),
        "data": {"memberId": to_global_id("Member", member_id), "memberNo": member_no, **data},
    }
    # One id for every endpoint's copy and every retry: receivers deduplicate on it.
    event_id = f"evt_{secrets.token_hex(12)}"
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event_type,
                member_id=member_id,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint_id in subscribed
        ],
        using_db=conn,
    )
