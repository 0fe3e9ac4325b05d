"""Claiming due deliveries with a lease, and recording what became of them (DESIGN §8
"Worker").

A claim is a guarded UPDATE (due and unclaimed, or claimed under a lease that ran out)
in one transaction: on SQLite that transaction holds the write lock (BEGIN IMMEDIATE),
on PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED`, so two workers never claim
one row together. A worker killed mid-send leaves its rows SENDING; once the lease runs
out another worker claims them again, so a message goes out at least once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from tortoise.expressions import F, Q

from models.delivery import Delivery
from models.enums import DeliveryStatus
from models.webhook import WebhookDelivery
from services.db import retry_busy, transaction

# Longer than the slowest send (a gateway's 10 s, a mail server's steps of 30 s).
LEASE = timedelta(minutes=2)

# The outboxes claimed alike: communications' deliveries and event webhooks'.
Row = TypeVar("Row", Delivery, WebhookDelivery)


def _due(now: datetime) -> Q:
    return Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )


async def claim(
    rows: type[Row], owner: str, now: datetime, limit: int, where: Q | None = None
) -> list[Row]:
    """Take up to `limit` due `rows` (matching `where`) for `owner` (unique per claim):
    each becomes SENDING under a lease, its attempt counted."""

    async def write() -> list[int]:
        async with transaction() as conn:
            due = await (
                rows.filter(_due(now), where or Q())
                .order_by("next_attempt_at", "id")
                .limit(limit)
                .select_for_update(skip_locked=True)
                .using_db(conn)
                .only("id")
            )
            ids = [row.id for row in due]
            if ids:
                await (
                    rows.filter(_due(now), id__in=ids)
                    .using_db(conn)
                    .update(
                        status=DeliveryStatus.SENDING,
                        lease_owner=owner,
                        lease_until=now + LEASE,
                        attempts=F("attempts") + 1,
                    )
                )
            return ids

    ids = await retry_busy(write)
    if not ids:
        return []
    return await rows.filter(id__in=ids, lease_owner=owner, status=DeliveryStatus.SENDING)


async def settle(
    delivery: Delivery | WebhookDelivery,
    owner: str,
    changes: dict[str, Any],
    also: Callable[[Any], Awaitable[None]] | None = None,
) -> bool:
    """Record a claimed delivery's end (or its return to the queue) and drop the lease,
    running `also(conn)` in the same transaction; False when the lease was lost
    meanwhile (another worker has the row now)."""

    async def write() -> int:
        async with transaction() as conn:
            settled = await (
                type(delivery)
                .filter(id=delivery.id, lease_owner=owner, status=DeliveryStatus.SENDING)
                .using_db(conn)
                .update(lease_owner=None, lease_until=None, **changes)
            )
            if settled and also is not None:
                await also(conn)
            return settled

    return bool(await retry_busy(write))
