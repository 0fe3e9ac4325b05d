"""GraphQL operations and the sender the webhook tests share."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from core.settings import get_settings
from services.webhooks.sending import WebhookSender

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint { id url events description enabled disabledReason createdAt }
    secret
    errors { field code message }
  }
}"""
ENDPOINTS = """
{ webhookEndpoints { id url events enabled disabledReason
    deliveries(first: 20) { totalCount edges { node {
      id eventType status attempts lastError responseStatus createdAt sentAt } } } } }
"""
EVENTS = ["member.enrolled", "tier.changed", "points.posted"]


async def register(admin: Any, url: str, events: list[str] | None = None) -> dict[str, Any]:
    result = await admin(
        CREATE, {"input": {"url": url, "events": events or EVENTS, "description": "CRM"}}
    )
    payload: dict[str, Any] = result["data"]["createWebhookEndpoint"]
    return payload


async def send_all(client: httpx.AsyncClient, now: datetime, **settings: Any) -> int:
    """Run the worker's webhook task at `now` until nothing is due; how many it handled."""
    sender = WebhookSender(replace(get_settings(), **settings), client)
    handled = 0
    while await sender(now):
        handled += 1
    return handled
