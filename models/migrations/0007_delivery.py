"""The outbox (issue 24, DESIGN §8): a delivery row per outbound communication memberhub
sends, with its attempts and the lease of the worker sending it."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import ContactChannel, DeliveryStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0006_erasure")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "communication",
                    fields.OneToOneField(
                        "models.Communication",
                        source_field="communication_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="delivery",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="SMS: SMS\nEMAIL: EMAIL\nPHONE: PHONE\nONLINE_CHAT: "
                        "ONLINE_CHAT\nSOCIAL: SOCIAL\nAPP_PUSH: APP_PUSH\nSTORE: STORE",
                        enum_type=ContactChannel,
                        max_length=16,
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
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("lease_owner", fields.CharField(null=True, max_length=64)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "delivery",
                "app": "models",
                "indexes": [
                    Index(fields=["status", "next_attempt_at"]),
                    Index(fields=["member_id", "status"]),
                    Index(fields=["created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "The outbox: a communication's way to the member, and "
                "its attempts.",
            },
            bases=["Model"],
        ),
    ]
