"""Tiers (data, not code) and the history of every member's tier changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import TierChangeReason

if TYPE_CHECKING:
    from models.member import Member
    from models.points import Purchase
    from models.staff import StaffUser


class Tier(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    rank = fields.IntField(unique=True)
    min_spend = fields.DecimalField(max_digits=14, decimal_places=2)
    min_orders = fields.IntField(default=0)
    points_multiplier = fields.DecimalField(max_digits=6, decimal_places=2)
    description = fields.TextField(null=True)

    class Meta:
        table = "tier"
        ordering = ["rank"]


class TierChange(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="tier_changes", on_delete=fields.RESTRICT
    )
    member_id: int
    from_tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    from_tier_id: int | None
    to_tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name=False, on_delete=fields.RESTRICT
    )
    to_tier_id: int
    reason = fields.CharEnumField(TierChangeReason, max_length=16)
    at = fields.DatetimeField()
    note = fields.TextField(null=True)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    # The purchase that caused a PROMOTION: a replayed recordPurchase returns this change.
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    purchase_id: int | None

    class Meta:
        table = "tier_change"
        indexes = (("member_id", "at"), ("purchase_id",))

    @property
    def owner_member_id(self) -> int:
        return self.member_id
