"""The outbox: one delivery row per outbound communication memberhub sends (DESIGN §8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ContactChannel, DeliveryStatus

if TYPE_CHECKING:
    from models.communication import Communication
    from models.member import Member


class Delivery(Model):
    id = fields.IntField(primary_key=True)
    communication: fields.OneToOneRelation[Communication] = fields.OneToOneField(
        "models.Communication", related_name="delivery", on_delete=fields.RESTRICT
    )
    communication_id: int
    # Copied from the communication: the worker and erasure find rows without a join.
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    channel = fields.CharEnumField(ContactChannel, max_length=16)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    # A claim: the worker sending the row, until when. A SENDING row whose lease has run
    # out belongs to a worker that died mid-send and is claimed again (at least once).
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        table_description = "The outbox: a communication's way to the member, and its attempts."
        indexes = (("status", "next_attempt_at"), ("member_id", "status"), ("created_at",))

    @property
    def owner_member_id(self) -> int:
        return self.member_id
