"""Every contact with a member, and the service cases some of them open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import (
    CaseKind,
    CaseStatus,
    CommunicationCategory,
    ContactChannel,
    Direction,
)

if TYPE_CHECKING:
    from models.member import Member
    from models.staff import StaffUser


class ServiceCase(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="service_cases", on_delete=fields.RESTRICT
    )
    member_id: int
    kind = fields.CharEnumField(CaseKind, max_length=16)
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    subject = fields.CharField(max_length=256)
    status = fields.CharEnumField(CaseStatus, max_length=16, default=CaseStatus.OPEN)
    opened_at = fields.DatetimeField()
    response_due_at = fields.DatetimeField()
    resolution_due_at = fields.DatetimeField()
    first_responded_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    escalated_to: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    escalated_to_id: int | None
    assignee: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    assignee_id: int | None
    resolution = fields.TextField(null=True)
    satisfaction_score = fields.IntField(null=True)
    # The latest deadline missed that case.overdue has announced: RESPONSE, RESOLUTION or
    # none yet (services/cases.py, run_case_deadlines).
    late_announced = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "service_case"
        indexes = (
            ("status", "response_due_at"),
            ("status", "resolution_due_at"),
            ("member_id", "opened_at"),
            ("opened_at",),
        )

    @property
    def owner_member_id(self) -> int:
        return self.member_id


class Communication(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="communications", on_delete=fields.RESTRICT
    )
    member_id: int
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    direction = fields.CharEnumField(Direction, max_length=8)
    category = fields.CharEnumField(CommunicationCategory, max_length=16)
    subject = fields.CharField(max_length=256, null=True)
    content = fields.TextField(null=True)
    occurred_at = fields.DatetimeField()
    staff: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    staff_id: int | None
    case: fields.ForeignKeyNullableRelation[ServiceCase] = fields.ForeignKeyField(
        "models.ServiceCase", related_name="communications", null=True, on_delete=fields.RESTRICT
    )
    case_id: int | None
    satisfaction_score = fields.IntField(null=True)
    # Staff-only notes on a case: never shown to the member.
    internal = fields.BooleanField(default=False)
    # The programme that sent it (DESIGN §10): it asks the channel's consent and waits out
    # the quiet hours, as MARKETING does, whatever its category.
    programme = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "communication"
        indexes = (("member_id", "occurred_at"), ("case_id", "occurred_at"), ("occurred_at",))

    @property
    def owner_member_id(self) -> int:
        return self.member_id
