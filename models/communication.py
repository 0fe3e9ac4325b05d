"""Every contact with a member, and the service cases some of them open."""

from tortoise import fields
from tortoise.models import Model

from models.enums import (
    CaseKind,
    CaseStatus,
    CommunicationCategory,
    ContactChannel,
    Direction,
)


class ServiceCase(Model):
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField(
        "models.Member", related_name="service_cases", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(CaseKind, max_length=16)
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    subject = fields.CharField(max_length=256)
    status = fields.CharEnumField(CaseStatus, max_length=16, default=CaseStatus.OPEN)
    opened_at = fields.DatetimeField()
    response_due_at = fields.DatetimeField()
    resolution_due_at = fields.DatetimeField()
    first_responded_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    escalated_to = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    assignee = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    resolution = fields.TextField(null=True)
    satisfaction_score = fields.IntField(null=True)

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
        return self.member_id  # type: ignore[attr-defined,no-any-return]


class Communication(Model):
    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField(
        "models.Member", related_name="communications", on_delete=fields.RESTRICT
    )
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    direction = fields.CharEnumField(Direction, max_length=8)
    category = fields.CharEnumField(CommunicationCategory, max_length=16)
    subject = fields.CharField(max_length=256, null=True)
    content = fields.TextField(null=True)
    occurred_at = fields.DatetimeField()
    staff = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    case = fields.ForeignKeyField(
        "models.ServiceCase", related_name="communications", null=True, on_delete=fields.RESTRICT
    )
    satisfaction_score = fields.IntField(null=True)
    # Staff-only notes on a case: never shown to the member.
    internal = fields.BooleanField(default=False)

    class Meta:
        table = "communication"
        indexes = (("member_id", "occurred_at"), ("case_id", "occurred_at"), ("occurred_at",))

    @property
    def owner_member_id(self) -> int:
        return self.member_id  # type: ignore[attr-defined,no-any-return]
