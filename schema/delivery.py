"""Types of the outbox: a communication's delivery to the member (DESIGN §8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.ids import to_global_id
from models.communication import Communication as CommunicationModel
from models.delivery import Delivery as DeliveryModel
from resolvers.loaders import by_id
from schema.common import UserError, errors_field, model_type
from schema.context import Info
from schema.enums import ContactChannel, DeliveryStatus
from shortcuts import rows_in

if TYPE_CHECKING:
    from schema.communications import Communication

CommunicationRef = Annotated["Communication", strawberry.lazy("schema.communications")]

load_communication_by_id = by_id(CommunicationModel)


async def load_delivery_by_communication(keys: Sequence[int]) -> list[DeliveryModel | None]:
    rows = {
        row.communication_id: row for row in await rows_in(DeliveryModel, "communication_id", keys)
    }
    return [rows.get(key) for key in keys]


@model_type(
    DeliveryModel,
    description="How a message memberhub sends reaches the member: its state, attempts and "
    "the last error.",
)
class Delivery:
    channel: ContactChannel = strawberry.field(description="The channel it goes out on.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed, or why it was skipped; null if none did."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next (UTC); null once it is no longer queued."
    )
    sent_at: datetime | None = strawberry.field(
        description="When the attempt the mail server or gateway accepted began (UTC); null "
        "until then."
    )
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    communication_id: strawberry.Private[int]

    @strawberry.field(description="Global ID of the delivery.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Delivery", self.id))

    @strawberry.field(description="The communication delivered.")
    async def communication(self, info: Info) -> CommunicationRef:
        return await info.context.loaders.get(load_communication_by_id).load(self.communication_id)


@strawberry.input(description="A failed delivery to queue again.")
class RetryDeliveryInput:
    communication_id: strawberry.ID = strawberry.field(
        description="The communication whose delivery FAILED."
    )


@strawberry.type(description="Result of retryDelivery.")
class DeliveryPayload:
    delivery: Delivery | None = strawberry.field(
        default=None, description="The delivery, QUEUED again; null when refused."
    )
    errors: list[UserError] = errors_field()
