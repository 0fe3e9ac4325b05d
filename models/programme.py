"""Programmes that keep members (DESIGN §10): their settings, their runs, and the one-time
links of the satisfaction surveys they send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ContactChannel, ProgrammeCode

if TYPE_CHECKING:
    from models.member import Member
    from models.outreach import Outreach
    from models.points import Purchase


class ProgrammeSetting(Model):
    """One programme's settings, a row per programme, created with the defaults when missing."""

    code = fields.CharEnumField(ProgrammeCode, max_length=32, primary_key=True)
    enabled = fields.BooleanField()
    cool_down_days = fields.IntField()
    holdout_share = fields.FloatField()
    sample_rate = fields.FloatField()
    delay_days = fields.IntField()
    # CHURN_WARNING: a benefit code or coupon the care message names; null for none.
    benefit_code = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "programme_setting"


class ProgrammeRun(Model):
    """One run of a programme as of a moment: its audience's draw (the outreach) and counts."""

    id = fields.IntField(primary_key=True)
    programme = fields.CharEnumField(ProgrammeCode, max_length=32)
    as_of = fields.DatetimeField()
    started_at = fields.DatetimeField()
    outreach: fields.ForeignKeyRelation[Outreach] = fields.ForeignKeyField(
        "models.Outreach", related_name=False, on_delete=fields.RESTRICT
    )
    outreach_id: int
    seed = fields.BigIntField()
    holdout_share = fields.FloatField()
    contacted = fields.IntField()
    held_out = fields.IntField()
    # Selected but not sent: no consent to a marketing message on the member's channel.
    skipped = fields.IntField()

    class Meta:
        table = "programme_run"
        indexes = (("programme", "id"),)


class SurveyToken(Model):
    """The one-time link of a satisfaction survey: only its hash is stored."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    purchase: fields.ForeignKeyRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name=False, on_delete=fields.RESTRICT
    )
    purchase_id: int
    # The channel the survey went on: the answer is recorded as a reply on it.
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey_token"
        indexes = (("member_id",),)
