"""Earning campaigns (DESIGN §9) and each member's running total of a campaign's points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import CampaignStatus

if TYPE_CHECKING:
    from models.member import Member
    from models.staff import StaffUser


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    status = fields.CharEnumField(
        CampaignStatus, max_length=16, default=CampaignStatus.PENDING_REVIEW
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()  # exclusive
    # The audience, as a member filter reads it: empty lists do not filter.
    tier_codes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tags_all: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tags_any: fields.JSONField[list[str]] = fields.JSONField(default=list)
    tags_none: fields.JSONField[list[str]] = fields.JSONField(default=list)
    min_amount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    channels: fields.JSONField[list[str]] = fields.JSONField(default=list)
    multiplier = fields.DecimalField(max_digits=6, decimal_places=2, null=True)
    bonus_points = fields.IntField(null=True)
    max_points_per_member = fields.IntField(null=True)
    budget_points = fields.IntField(null=True)
    # Net of reversals; written only by guarded UPDATEs (services/campaigns/awards.py).
    points_issued = fields.IntField(default=0)
    members_reached = fields.IntField(default=0)
    proposed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    proposed_by_id: int | None
    proposed_at = fields.DatetimeField()
    reviewed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reviewed_by_id: int | None
    reviewed_at = fields.DatetimeField(null=True)
    review_note = fields.TextField(null=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "campaign"
        indexes = (("status", "starts_at"),)


class CampaignMember(Model):
    """A campaign's points on one member, net of reversals: its cap and membersReached."""

    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="members", on_delete=fields.RESTRICT
    )
    campaign_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    points = fields.IntField(default=0)

    class Meta:
        table = "campaign_member"
        unique_together = (("campaign_id", "member_id"),)
