"""Outreach with holdouts and tag uses (issue 26, DESIGN §10): each contact of an audience
with the members held out of it, to measure its effect, and each use of a tag to choose
members, for its utilisation."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import OutreachKind, TagUseKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0012_tag_explanations")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Outreach",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PROGRAMME_RUN: PROGRAMME_RUN\nSEND: SEND",
                        enum_type=OutreachKind,
                        max_length=16,
                    ),
                ),
                ("programme", fields.CharField(null=True, max_length=32)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("seed", fields.BigIntField()),
                ("holdout_share", fields.FloatField()),
                ("contacted", fields.IntField(default=0)),
                ("held_out", fields.IntField(default=0)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.StaffUser",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "outreach",
                "app": "models",
                "indexes": [Index(fields=["programme", "at"])],
                "pk_attr": "id",
                "table_description": "An audience contacted, with the share held out to measure its effect.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutreachMember",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "outreach",
                    fields.ForeignKeyField(
                        "models.Outreach",
                        source_field="outreach_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
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
                ("held_out", fields.BooleanField()),
            ],
            options={
                "table": "outreach_member",
                "app": "models",
                "unique_together": (("outreach_id", "member_id"),),
                "indexes": [Index(fields=["member_id", "outreach_id"])],
                "pk_attr": "id",
                "table_description": "One member of an outreach's audience: contacted, or held out and sent nothing.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TagUse",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "tag",
                    fields.ForeignKeyField(
                        "models.TagDefinition",
                        source_field="tag_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SEND: SEND\nCAMPAIGN: CAMPAIGN\nPROGRAMME: PROGRAMME\nSEARCH: SEARCH",
                        enum_type=TagUseKind,
                        max_length=16,
                    ),
                ),
                ("used_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("members_reached", fields.IntField(default=0)),
                (
                    "outreach",
                    fields.ForeignKeyField(
                        "models.Outreach",
                        source_field="outreach_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "tag_use",
                "app": "models",
                "indexes": [Index(fields=["tag_id", "used_at"])],
                "pk_attr": "id",
                "table_description": "A tag used to choose members, for the tag's utilisation.",
            },
            bases=["Model"],
        ),
    ]
