"""Sending due deliveries (DESIGN §8): claim one, check it again, send it on its
channel, record the outcome.

`delivering(settings)` gives the worker its task: `await deliver(now)` sends at most one
due message and returns how many it handled (0: nothing was due), so a stopping worker
only ever waits for the send in progress.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from core.ids import to_global_id
from core.settings import Settings
from models.communication import Communication
from models.delivery import Delivery
from models.enums import ContactChannel, DeliveryStatus
from models.member import Member
from services.delivery.claims import claim, settle
from services.delivery.gateway import Gateway
from services.delivery.mail import Mailer, smtp_server
from services.delivery.message import Message, Outcome, Send, fail
from services.delivery.rules import (
    address,
    outcome_changes,
    quiet_hours,
    quiet_until,
    skip_reason,
    unsolicited,
)
from services.delivery.sink import Sink
from services.webhooks import emit


class NotConfigured:
    """The route of a channel with no server, no gateway and no sink."""

    def __init__(self, channel: ContactChannel) -> None:
        self.channel = channel

    async def __call__(self, message: Message) -> Outcome:
        return fail(f"Nothing is configured to send {self.channel.value}.")


def routes(settings: Settings, client: httpx.AsyncClient) -> dict[ContactChannel, Send]:
    """Each sendable channel's way out: its server or gateway, else the sink if on.
    Raises ValueError for a malformed SMTP URL or a gateway without a secret."""
    sink = Sink(Path(settings.delivery_sink)) if settings.delivery_sink != "off" else None

    def gateway(url: str) -> Send | None:
        return Gateway(url, settings.gateway_secret, client) if url else sink

    found: dict[ContactChannel, Send | None] = {
        ContactChannel.EMAIL: (
            Mailer(smtp_server(settings.smtp_url), settings.mail_from)
            if settings.smtp_url
            else sink
        ),
        ContactChannel.SMS: gateway(settings.sms_gateway_url),
        ContactChannel.APP_PUSH: gateway(settings.push_gateway_url),
    }
    return {channel: send or NotConfigured(channel) for channel, send in found.items()}


def worker_name() -> str:
    """Unique per worker process, readable in the lease column."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class Deliverer:
    def __init__(self, routes: dict[ContactChannel, Send], settings: Settings) -> None:
        self.routes = routes
        self.max_attempts = settings.delivery_max_attempts
        self.quiet = quiet_hours(settings.quiet_hours)
        self.tz = settings.tz
        self.worker = worker_name()
        self.claims = 0

    async def __call__(self, now: datetime) -> int:
        self.claims += 1
        owner = f"{self.worker}:{self.claims}"
        claimed = await claim(Delivery, owner, now, 1)
        for delivery in claimed:
            changes = await self.attempt(delivery, now)
            failed = changes["status"] == DeliveryStatus.FAILED
            await settle(delivery, owner, changes, _failed_event(delivery, now) if failed else None)
        return len(claimed)

    async def attempt(self, delivery: Delivery, now: datetime) -> dict[str, Any]:
        """The columns to write once the claimed `delivery` has been checked and sent."""
        if delivery.attempts > self.max_attempts:
            # Only a worker that died on every attempt gets here: stop the loop.
            return self.recorded(delivery, fail("Every attempt ended with its worker."), now)
        message = await Communication.get(id=delivery.communication_id)
        member = await Member.get(id=delivery.member_id)
        reason = skip_reason(member, message)
        if reason is not None:
            return {"status": DeliveryStatus.SKIPPED, "last_error": reason, "next_attempt_at": None}
        if unsolicited(message):
            until = quiet_until(now, self.quiet, self.tz)
            if until is not None:
                # Waiting is not an attempt: the claim's count is given back.
                return {
                    "status": DeliveryStatus.QUEUED,
                    "attempts": delivery.attempts - 1,
                    "next_attempt_at": until,
                }
        outcome = await self.routes[delivery.channel](_message(delivery, message, member))
        return self.recorded(delivery, outcome, now)

    def recorded(self, delivery: Delivery, outcome: Outcome, now: datetime) -> dict[str, Any]:
        return outcome_changes(outcome, delivery.attempts, self.max_attempts, now)


def _failed_event(delivery: Delivery, now: datetime) -> Callable[[Any], Awaitable[None]]:
    """The delivery.failed event, written with the FAILED state (no error text: a mail
    server may quote the address it refused)."""
    data = {
        "deliveryId": to_global_id("Delivery", delivery.id),
        "communicationId": to_global_id("Communication", delivery.communication_id),
        "channel": delivery.channel.value,
        "attempts": delivery.attempts,
    }

    async def event(conn: Any) -> None:
        await emit(conn, "delivery.failed", delivery.member_id, data, now)

    return event


def _message(delivery: Delivery, message: Communication, member: Member) -> Message:
    return Message(
        id=f"delivery_{delivery.id}",
        channel=delivery.channel,
        to=address(member, delivery.channel) or "",
        subject=message.subject,
        body=message.content or "",
        communication_id=to_global_id("Communication", message.id),
        member_no=member.member_no,
    )


@asynccontextmanager
async def delivering(settings: Settings) -> AsyncIterator[Deliverer]:
    """The worker's delivery task, with the HTTP client its gateways share."""
    async with httpx.AsyncClient() as client:
        yield Deliverer(routes(settings, client), settings)
