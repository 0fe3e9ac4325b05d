"""Tiers (data, not code) and the history of every member's tier changes."""

from tortoise import fields
from tortoise.models import Model

from models.enums import TierChangeReason


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
    member = fields.ForeignKeyField(
        "models.Member", related_name="tier_changes", on_delete=fields.RESTRICT
    )
    from_tier = fields.ForeignKeyField(
        "models.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    to_tier = fields.ForeignKeyField("models.Tier", related_name=False, on_delete=fields.RESTRICT)
    reason = fields.CharEnumField(TierChangeReason, max_length=16)
    at = fields.DatetimeField()
    note = fields.TextField(null=True)
    created_by = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    # The purchase that caused a PROMOTION: a replayed recordPurchase returns this change.
    purchase = fields.ForeignKeyField(
        "models.Purchase", related_name=False, null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "tier_change"
        indexes = (("member_id", "at"), ("purchase_id",))

    @property
    def owner_member_id(self) -> int:
        return self.member_id  # type: ignore[attr-defined,no-any-return]
