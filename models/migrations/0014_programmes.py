"""Programmes (issue 26, DESIGN §10): each programme's settings, its runs, the one-time
links of satisfaction surveys, and when a member last confirmed their profile."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import ContactChannel, ProgrammeCode
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0013_outreach")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProgrammeRun",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "programme",
                    fields.CharEnumField(
                        description="CHURN_WARNING: CHURN_WARNING\nSATISFACTION_REVISIT: SATISFACTION_REVISIT\nPROFILE_REMINDER: PROFILE_REMINDER\nBIRTHDAY_GREETING: BIRTHDAY_GREETING",
                        enum_type=ProgrammeCode,
                        max_length=32,
                    ),
                ),
                ("as_of", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
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
                ("seed", fields.BigIntField()),
                ("holdout_share", fields.FloatField()),
                ("contacted", fields.IntField()),
                ("held_out", fields.IntField()),
                ("skipped", fields.IntField()),
            ],
            options={
                "table": "programme_run",
                "app": "models",
                "indexes": [Index(fields=["programme", "id"])],
                "pk_attr": "id",
                "table_description": "One run of a programme as of a moment: its audience's draw (the outreach) and counts.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProgrammeSetting",
            fields=[
                (
                    "code",
                    fields.CharEnumField(
                        primary_key=True,
                        unique=True,
                        db_index=True,
                        description="CHURN_WARNING: CHURN_WARNING\nSATISFACTION_REVISIT: SATISFACTION_REVISIT\nPROFILE_REMINDER: PROFILE_REMINDER\nBIRTHDAY_GREETING: BIRTHDAY_GREETING",
                        enum_type=ProgrammeCode,
                        max_length=32,
                    ),
                ),
                ("enabled", fields.BooleanField()),
                ("cool_down_days", fields.IntField()),
                ("holdout_share", fields.FloatField()),
                ("sample_rate", fields.FloatField()),
                ("delay_days", fields.IntField()),
                ("benefit_code", fields.CharField(null=True, max_length=64)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "programme_setting",
                "app": "models",
                "pk_attr": "code",
                "table_description": "One programme's settings, a row per programme, created with the defaults when missing.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
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
                    "purchase",
                    fields.ForeignKeyField(
                        "models.Purchase",
                        source_field="purchase_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="SMS: SMS\nEMAIL: EMAIL\nPHONE: PHONE\nONLINE_CHAT: ONLINE_CHAT\nSOCIAL: SOCIAL\nAPP_PUSH: APP_PUSH\nSTORE: STORE",
                        enum_type=ContactChannel,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "survey_token",
                "app": "models",
                "indexes": [Index(fields=["member_id"])],
                "pk_attr": "id",
                "table_description": "The one-time link of a satisfaction survey: only its hash is stored.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Member",
            name="profile_confirmed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
