"""Event webhooks for integrations (DESIGN §8): the endpoints ADMIN registers, and the
outbox of events each endpoint is sent."""

from __future__ import annotations

import functools
from json import dumps, loads
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import DeliveryStatus


class WebhookEndpoint(Model):
    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2048)
    # Event types (a JSON list of strings of DESIGN §8's list).
    events: Any = fields.JSONField(default=list)
    description = fields.TextField(null=True)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.TextField(null=True)
    # Encrypted (services/crypto): usable to sign, never shown again after creation.
    secret = fields.TextField()
    # The first failed attempt since the last success: 24 h later the endpoint is disabled.
    failing_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_endpoint"
        table_description = "A receiver of signed event webhooks, registered by ADMIN."


class WebhookDelivery(Model):
    id = fields.IntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    # The event's id: the same in every endpoint's copy and in every retry (webhook-id).
    event_id = fields.CharField(max_length=64)
    event_type = fields.CharField(max_length=32)
    # The member the event is about: a member's events reach an endpoint in order.
    member_id = fields.IntField()
    payload: Any = fields.JSONField(
        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
    )
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    response_status = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        table_description = "An event on its way to one webhook endpoint, and its attempts."
        indexes = (("status", "next_attempt_at"), ("endpoint_id", "member_id", "status"))
