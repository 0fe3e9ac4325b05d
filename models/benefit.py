"""Benefits held by tiers, and every use of one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import BenefitCategory, BenefitPeriod

if TYPE_CHECKING:
    from models.member import Member
    from models.tier import Tier


class Benefit(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    category = fields.CharEnumField(BenefitCategory, max_length=24)
    description = fields.TextField(null=True)
    discount_percent = fields.FloatField(null=True)
    points_cost = fields.IntField(default=0)
    usage_limit = fields.IntField(null=True)
    usage_period = fields.CharEnumField(BenefitPeriod, max_length=16, null=True)
    active_from = fields.DatetimeField(null=True)
    active_until = fields.DatetimeField(null=True)

    class Meta:
        table = "benefit"


class BenefitTier(Model):
    """A tier holding a benefit: an explicit row, so both directions batch in one query."""

    id = fields.IntField(primary_key=True)
    benefit: fields.ForeignKeyRelation[Benefit] = fields.ForeignKeyField(
        "models.Benefit", related_name="tier_links", on_delete=fields.CASCADE
    )
    benefit_id: int
    tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name="benefit_links", on_delete=fields.CASCADE
    )
    tier_id: int

    class Meta:
        table = "benefit_tier"
        unique_together = (("benefit_id", "tier_id"),)
        indexes = (("tier_id",),)


class BenefitUsage(Model):
    id = fields.IntField(primary_key=True)
    benefit: fields.ForeignKeyRelation[Benefit] = fields.ForeignKeyField(
        "models.Benefit", related_name="usages", on_delete=fields.RESTRICT
    )
    benefit_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="benefit_usages", on_delete=fields.RESTRICT
    )
    member_id: int
    used_at = fields.DatetimeField()
    points_spent = fields.IntField(default=0)
    note = fields.TextField(null=True)
    idempotency_key = fields.CharField(max_length=128)
    revoked = fields.BooleanField(default=False)
    revoked_reason = fields.TextField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "benefit_usage"
        unique_together = (("member_id", "idempotency_key"),)
        indexes = (("member_id", "benefit_id", "used_at"),)

    @property
    def owner_member_id(self) -> int:
        return self.member_id
