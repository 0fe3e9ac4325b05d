"""Registering webhook endpoints (ADMIN, DESIGN §8).

The signing secret is shown once, when created or rotated; it is stored encrypted
(services/crypto) because signing needs it in clear, and no query returns it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from core.settings import get_settings
from models.webhook import WebhookDelivery, WebhookEndpoint
from services import limits
from services.crypto import encrypt
from services.db import retry_busy, transaction
from services.errors import Invalid, NotFound
from services.validation import clean_text
from services.webhooks.addresses import address_problem, url_problem
from services.webhooks.events import EVENT_TYPES

MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class Registered:
    endpoint: WebhookEndpoint
    # Clear, shown this once.
    secret: str


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def checked_url(url: str, path: Sequence[str] = ("input", "url")) -> str:
    """The URL, stripped. Raises Invalid for a URL memberhub must not send to."""
    settings = get_settings()
    url = url.strip()
    problem = url_problem(url, settings) or await address_problem(url, settings)
    if problem:
        raise Invalid(problem, path)
    return url


def checked_events(events: Sequence[str], path: Sequence[str] = ("input", "events")) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(
            f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.", path
        )
    if not events:
        raise Invalid("Name at least one event type.", path)
    return list(dict.fromkeys(events))


def checked_description(text: str | None) -> str | None:
    path = ("input", "description")
    description = clean_text(text, path)
    if description and len(description) > MAX_DESCRIPTION:
        raise Invalid(f"At most {MAX_DESCRIPTION} characters.", path)
    return description


def all_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.all().order_by("id")


def endpoint_deliveries(endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return WebhookDelivery.filter(endpoint_id=endpoint_id).order_by("-id")


async def create_endpoint(
    url: str, events: Sequence[str], description: str | None, now: datetime
) -> Registered:
    """Register an endpoint, enabled. Raises Invalid (URL, events, description),
    InvalidState (already limits.WEBHOOK_ENDPOINTS)."""
    values: dict[str, Any] = {
        "url": await checked_url(url),
        "events": checked_events(events),
        "description": checked_description(description),
    }
    secret = new_secret()

    async def write() -> WebhookEndpoint:
        async with transaction() as conn:
            await limits.ensure_room(
                WebhookEndpoint.all().using_db(conn),
                limits.WEBHOOK_ENDPOINTS,
                "webhook endpoints",
                ("input", "url"),
            )
            return await WebhookEndpoint.create(
                **values, secret=encrypt(secret), created_at=now, using_db=conn
            )

    return Registered(await retry_busy(write), secret)


async def _changed(endpoint_id: int, changes: dict[str, Any]) -> WebhookEndpoint:
    """The endpoint after `changes`, written in a transaction. Raises NotFound."""

    async def write() -> WebhookEndpoint | None:
        async with transaction() as conn:
            if changes:
                await WebhookEndpoint.filter(id=endpoint_id).using_db(conn).update(**changes)
            return await WebhookEndpoint.get_or_none(id=endpoint_id, using_db=conn)

    endpoint = await retry_busy(write)
    if endpoint is None:
        raise NotFound("No such webhook endpoint.", ("input", "id"))
    return endpoint


async def update_endpoint(
    endpoint_id: int,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given (None: unchanged). Enabling a disabled endpoint clears its
    reason and failure time; its cancelled deliveries stay cancelled. Raises NotFound,
    Invalid."""
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = await checked_url(url)
    if events is not None:
        changes["events"] = checked_events(events)
    if description is not None:
        changes["description"] = checked_description(description)
    if enabled is not None:
        changes["enabled"] = enabled
        if enabled:
            changes.update(disabled_reason=None, failing_since=None)
        else:
            changes["disabled_reason"] = "Disabled by an administrator."
    return await _changed(endpoint_id, changes)


async def rotate_secret(endpoint_id: int) -> Registered:
    """A new signing secret, shown this once; the old one signs nothing more."""
    secret = new_secret()
    return Registered(await _changed(endpoint_id, {"secret": encrypt(secret)}), secret)


async def delete_endpoint(endpoint_id: int) -> WebhookEndpoint:
    """Delete the endpoint and its delivery log. Raises NotFound."""

    async def write() -> WebhookEndpoint:
        async with transaction() as conn:
            endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, using_db=conn)
            if endpoint is None:
                raise NotFound("No such webhook endpoint.", ("input", "id"))
            await WebhookDelivery.filter(endpoint_id=endpoint_id).using_db(conn).delete()
            await endpoint.delete(using_db=conn)
            return endpoint

    return await retry_busy(write)
