"""Contacts of an audience with a random share held out, so their effect can be measured
against members who got nothing (DESIGN §10 "Effect")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import CommunicationCategory, ContactChannel, OutreachKind

if TYPE_CHECKING:
    from models.member import Member
    from models.staff import StaffUser


class Outreach(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(OutreachKind, max_length=16)
    # The programme's code for a run; null for a send.
    programme = fields.CharField(max_length=32, null=True)
    # When the audience was contacted: the effect counts purchases from here on.
    at = fields.DatetimeField()
    # The holdout draw is a function of the seed and each member's id: recorded, it can be
    # drawn again and checked.
    seed = fields.BigIntField()
    holdout_share = fields.FloatField()
    contacted = fields.IntField(default=0)
    held_out = fields.IntField(default=0)
    # What a send sent; null for a programme run.
    channel = fields.CharEnumField(ContactChannel, max_length=16, null=True)
    category = fields.CharEnumField(CommunicationCategory, max_length=16, null=True)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None

    class Meta:
        table = "outreach"
        table_description = "An audience contacted, with the share held out to measure its effect."
        indexes = (("programme", "at"),)


class OutreachMember(Model):
    """One member of an outreach's audience: contacted, or held out and sent nothing."""

    id = fields.IntField(primary_key=True)
    outreach: fields.ForeignKeyRelation[Outreach] = fields.ForeignKeyField(
        "models.Outreach", related_name=False, on_delete=fields.RESTRICT
    )
    outreach_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    held_out = fields.BooleanField()

    class Meta:
        table = "outreach_member"
        unique_together = (("outreach_id", "member_id"),)
        indexes = (("member_id", "outreach_id"),)
