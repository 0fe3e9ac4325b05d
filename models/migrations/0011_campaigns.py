"""Earning campaigns (issue 25, DESIGN §9): the campaigns under review and in force, each
member's running total of a campaign's points, and the campaign a ledger entry belongs
to; the ledger's guards are reinstalled to list the new column among its facts."""

import functools
from json import dumps, loads
from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import CampaignStatus
from models.points import install_guards


async def _reinstall_guards(apps: Any, schema_editor: Any) -> None:
    await install_guards(schema_editor.client)


def _json_list() -> fields.JSONField:  # type: ignore[type-arg]
    return fields.JSONField(
        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
    )


def _staff(column: str) -> fields.ForeignKeyField:  # type: ignore[type-arg]
    return fields.ForeignKeyField(
        "models.StaffUser",
        source_field=column,
        null=True,
        db_constraint=True,
        to_field="id",
        related_name=False,
        on_delete=OnDelete.RESTRICT,
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0010_case_deadlines")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Campaign",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=128)),
                (
                    "status",
                    fields.CharEnumField(
                        default=CampaignStatus.PENDING_REVIEW,
                        description="PENDING_REVIEW: PENDING_REVIEW\nAPPROVED: APPROVED\n"
                        "REJECTED: REJECTED\nENDED: ENDED",
                        enum_type=CampaignStatus,
                        max_length=16,
                    ),
                ),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("tier_codes", _json_list()),
                ("tags_all", _json_list()),
                ("tags_any", _json_list()),
                ("tags_none", _json_list()),
                ("min_amount", fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ("channels", _json_list()),
                ("multiplier", fields.DecimalField(null=True, max_digits=6, decimal_places=2)),
                ("bonus_points", fields.IntField(null=True)),
                ("max_points_per_member", fields.IntField(null=True)),
                ("budget_points", fields.IntField(null=True)),
                ("points_issued", fields.IntField(default=0)),
                ("members_reached", fields.IntField(default=0)),
                ("proposed_by", _staff("proposed_by_id")),
                ("proposed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("reviewed_by", _staff("reviewed_by_id")),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("review_note", fields.TextField(null=True, unique=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "campaign",
                "app": "models",
                "indexes": [Index(fields=["status", "starts_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CampaignMember",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "campaign",
                    fields.ForeignKeyField(
                        "models.Campaign",
                        source_field="campaign_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
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
                ("points", fields.IntField(default=0)),
            ],
            options={
                "table": "campaign_member",
                "app": "models",
                "unique_together": (("campaign_id", "member_id"),),
                "pk_attr": "id",
                "table_description": "A campaign's points on one member, net of reversals.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="PointsEntry",
            name="campaign",
            field=fields.ForeignKeyField(
                "models.Campaign",
                source_field="campaign_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunPython(_reinstall_guards),
    ]
