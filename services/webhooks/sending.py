"""Sending event webhooks (DESIGN §8): claimed with the outbox's leases, signed and
posted like the gateway's messages, retried on the same schedule.

Order per member: a delivery is claimed only while it is the oldest unfinished one
(QUEUED or SENDING) of its member for its endpoint, so a member's later event never
overtakes an earlier one, which is retrying or being sent.

An endpoint whose attempts have all failed for 24 hours is disabled with the reason,
and its queued deliveries are CANCELLED.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import httpx
from tortoise.expressions import Q, Subquery
from tortoise.functions import Min

from core.settings import Settings
from models.enums import DeliveryStatus
from models.webhook import WebhookDelivery, WebhookEndpoint
from services.crypto import decrypt
from services.db import retry_busy, transaction
from services.delivery.claims import claim, settle
from services.delivery.gateway import post_signed, signer
from services.delivery.message import Outcome, fail, retry
from services.delivery.rules import outcome_changes
from services.delivery.sending import worker_name
from services.webhooks.addresses import address_problem

FAILING_FOR = timedelta(hours=24)
UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def sendable() -> Q:
    """Deliveries of enabled endpoints that are their member's oldest unfinished one."""
    heads = (
        WebhookDelivery.filter(status__in=UNFINISHED)
        .annotate(head=Min("id"))
        .group_by("endpoint_id", "member_id")
        .values("head")
    )
    enabled = WebhookEndpoint.filter(enabled=True).values("id")
    return Q(id__in=Subquery(heads), endpoint_id__in=Subquery(enabled))


class WebhookSender:
    """The worker's task: `await send(now)` sends at most one due webhook delivery and
    returns how many it handled."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.max_attempts = settings.delivery_max_attempts
        self.worker = worker_name()
        self.claims = 0

    async def __call__(self, now: datetime) -> int:
        self.claims += 1
        owner = f"{self.worker}:w{self.claims}"
        claimed = await claim(WebhookDelivery, owner, now, 1, sendable())
        for delivery in claimed:
            endpoint = await WebhookEndpoint.get(id=delivery.endpoint_id)
            if delivery.attempts > self.max_attempts:
                # Only a worker that died on every attempt gets here: stop the loop.
                outcome = fail("Every attempt ended with its worker.")
            else:
                outcome = await self.post(endpoint, delivery)
            changes = outcome_changes(outcome, delivery.attempts, self.max_attempts, now)
            changes["response_status"] = outcome.response_status
            if await settle(delivery, owner, changes):
                await record_health(endpoint, outcome, now)
        return len(claimed)

    async def post(self, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
        problem = await address_problem(endpoint.url, self.settings)
        if problem:
            return retry(problem)
        return await post_signed(
            self.client,
            endpoint.url,
            signer(decrypt(endpoint.secret) or "", "The endpoint's secret"),
            delivery.event_id,
            delivery.payload,
            receiver="the endpoint",
        )


async def record_health(endpoint: WebhookEndpoint, outcome: Outcome, now: datetime) -> None:
    """Note the endpoint's first failure since its last success; disable it once its
    attempts have failed for FAILING_FOR."""
    if outcome.sent:
        await WebhookEndpoint.filter(id=endpoint.id, failing_since__not_isnull=True).update(
            failing_since=None
        )
        return
    await WebhookEndpoint.filter(id=endpoint.id, failing_since__isnull=True).update(
        failing_since=now
    )
    failing = WebhookEndpoint.filter(
        id=endpoint.id, enabled=True, failing_since__lte=now - FAILING_FOR
    )
    if await failing.exists():
        await disable(endpoint.id, outcome.error or "no answer", now)


async def disable(endpoint_id: int, error: str, now: datetime) -> None:
    """Disable a failing endpoint with the reason, and cancel its queued deliveries."""

    async def write() -> None:
        async with transaction() as conn:
            since = await (
                WebhookEndpoint.filter(id=endpoint_id)
                .using_db(conn)
                .values_list("failing_since", flat=True)
            )
            reason = (
                f"Every delivery attempt failed for 24 hours (since {since[0]:%Y-%m-%d %H:%M} "
                f"UTC); the last: {error}."
            )
            await (
                WebhookEndpoint.filter(id=endpoint_id, enabled=True)
                .using_db(conn)
                .update(enabled=False, disabled_reason=reason)
            )
            await (
                WebhookDelivery.filter(endpoint_id=endpoint_id, status=DeliveryStatus.QUEUED)
                .using_db(conn)
                .update(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
            )

    await retry_busy(write)


@asynccontextmanager
async def webhooks_sending(settings: Settings) -> AsyncIterator[WebhookSender]:
    """The worker's webhook task, with its HTTP client."""
    async with httpx.AsyncClient() as client:
        yield WebhookSender(settings, client)
