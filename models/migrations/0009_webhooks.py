"""Event webhooks (issue 24 §3, DESIGN §8): the endpoints ADMIN registers and the outbox
of events on their way to each, with the lease of the worker sending them."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import DeliveryStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0008_job_runs")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("url", fields.CharField(max_length=2048)),
                ("events", fields.JSONField(default=list)),
                ("description", fields.TextField(null=True, unique=False)),
                ("enabled", fields.BooleanField(default=True)),
                ("disabled_reason", fields.TextField(null=True, unique=False)),
                ("secret", fields.TextField(unique=False)),
                (
                    "failing_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoint",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A receiver of signed event webhooks, registered by ADMIN.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event_id", fields.CharField(max_length=64)),
                ("event_type", fields.CharField(max_length=32)),
                ("member_id", fields.IntField()),
                (
                    "payload",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeliveryStatus.QUEUED,
                        description="QUEUED: QUEUED\nSENDING: SENDING\nSENT: SENT\nFAILED: "
                        "FAILED\nSKIPPED: SKIPPED\nCANCELLED: CANCELLED",
                        enum_type=DeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("last_error", fields.TextField(null=True, unique=False)),
                ("response_status", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("lease_owner", fields.CharField(null=True, max_length=64)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["endpoint_id", "member_id", "status"]),
                ],
                "pk_attr": "id",
                "table_description": "An event on its way to one webhook endpoint, and its "
                "attempts.",
            },
            bases=["Model"],
        ),
    ]
