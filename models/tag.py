"""Customer tag definitions, their assignments to members, and reported tagging errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import TagCategory, TagSource, TagStatus, TagUseKind

if TYPE_CHECKING:
    from models.member import Member
    from models.outreach import Outreach
    from models.staff import StaffUser


class TagDefinition(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    category = fields.CharEnumField(TagCategory, max_length=16)
    description = fields.TextField(null=True)
    status = fields.CharEnumField(TagStatus, max_length=16, default=TagStatus.PENDING_REVIEW)
    rule: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    reviewed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reviewed_by_id: int | None
    reviewed_at = fields.DatetimeField(null=True)
    review_note = fields.TextField(null=True)
    retired_at = fields.DatetimeField(null=True)
    # Members see their assignments of this tag, and why they have it (DESIGN §9).
    visible_to_member = fields.BooleanField(default=False, db_default=False)
    # When the refresh of every member last computed this rule tag.
    refreshed_at = fields.DatetimeField(null=True)
    # Every assignment ever made and every one reported wrong: errorRate survives removals.
    assignments_total = fields.IntField(default=0)
    errors_total = fields.IntField(default=0)

    class Meta:
        table = "tag_definition"

    @property
    def error_rate(self) -> float:
        return self.errors_total / self.assignments_total if self.assignments_total else 0.0


class MemberTag(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="tags", on_delete=fields.RESTRICT
    )
    member_id: int
    tag: fields.ForeignKeyRelation[TagDefinition] = fields.ForeignKeyField(
        "models.TagDefinition", related_name="assignments", on_delete=fields.RESTRICT
    )
    tag_id: int
    source = fields.CharEnumField(TagSource, max_length=8)
    assigned_at = fields.DatetimeField()
    assigned_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    assigned_by_id: int | None
    note = fields.TextField(null=True)

    class Meta:
        table = "member_tag"
        unique_together = (("member_id", "tag_id"),)
        indexes = (("tag_id", "member_id"),)

    @property
    def owner_member_id(self) -> int:
        return self.member_id


class TagErrorReport(Model):
    """An assignment reported wrong. While `suppressing`, the rule tag stays off the member.
    The refresh clears it once the rule's outcome for that member turns false (DESIGN §2)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="tag_error_reports", on_delete=fields.RESTRICT
    )
    member_id: int
    tag: fields.ForeignKeyRelation[TagDefinition] = fields.ForeignKeyField(
        "models.TagDefinition", related_name="error_reports", on_delete=fields.RESTRICT
    )
    tag_id: int
    source = fields.CharEnumField(TagSource, max_length=8)
    note = fields.TextField()
    reported_at = fields.DatetimeField()
    reported_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reported_by_id: int | None
    suppressing = fields.BooleanField(default=False)

    class Meta:
        table = "tag_error_report"
        indexes = (("tag_id", "suppressing", "member_id"), ("member_id", "tag_id"))


class TagUse(Model):
    """A tag used to choose members: in a send's or a programme's audience, a campaign's,
    a staff search. Counted per tag for its utilisation (the tag policy)."""

    id = fields.IntField(primary_key=True)
    tag: fields.ForeignKeyRelation[TagDefinition] = fields.ForeignKeyField(
        "models.TagDefinition", related_name=False, on_delete=fields.RESTRICT
    )
    tag_id: int
    kind = fields.CharEnumField(TagUseKind, max_length=16)
    used_at = fields.DatetimeField()
    # Members the use reached (a send's recipients, a search's matches); 0 when none yet,
    # as for a campaign's audience when it is approved.
    members_reached = fields.IntField(default=0)
    # The contact it chose the audience of, whose members' purchases the use brought.
    outreach: fields.ForeignKeyNullableRelation[Outreach] = fields.ForeignKeyField(
        "models.Outreach", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    outreach_id: int | None

    class Meta:
        table = "tag_use"
        table_description = "A tag used to choose members, for the tag's utilisation."
        indexes = (("tag_id", "used_at"),)
