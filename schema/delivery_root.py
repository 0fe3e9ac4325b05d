"""Root fields of the outbox: the deliveries, and a failed one queued again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from resolvers.ids import decode_id
from schema.context import Info
from schema.delivery import Delivery, DeliveryPayload, RetryDeliveryInput
from schema.enums import ContactChannel, DeliveryStatus
from schema.pagination import After, Connection, First, paginate
from schema.user_errors import mutation, user_errors
from services import delivery as service
from services.clock import utcnow
from services.errors import Invalid, InvalidState, NotFound


async def deliveries(
    info: Info,
    status: Annotated[
        DeliveryStatus | None, strawberry.argument(description="Only deliveries in this state.")
    ] = None,
    channel: Annotated[
        ContactChannel | None, strawberry.argument(description="Only this channel.")
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[Delivery]:
    return await paginate(service.deliveries(status, channel).order_by("-id"), first, after)


@user_errors(DeliveryPayload)
async def retry_delivery(
    info: Info,
    input: Annotated[RetryDeliveryInput, strawberry.argument(description="The delivery.")],
) -> DeliveryPayload:
    path = ("input", "communicationId")
    communication_id = decode_id(input.communication_id, "Communication", path)
    info.context.audit.target(to_global_id("Communication", communication_id))
    row = await service.retry_delivery(communication_id, utcnow())
    info.context.audit.target_member(row.member_id)
    return DeliveryPayload(delivery=row)  # type: ignore[arg-type]


@strawberry.type
class DeliveryQuery:
    """Root query fields of the outbox (joined in schema/root.py)."""

    deliveries: Connection[Delivery] = strawberry.field(
        resolver=deliveries,
        description="Deliveries of outbound communications, newest first.",
    )


@strawberry.type
class DeliveryMutation:
    """Root mutation fields of the outbox (joined in schema/root.py)."""

    retry_delivery: DeliveryPayload = mutation(
        retry_delivery,
        "Queue a FAILED delivery again, with its attempts counted afresh. Any other state is "
        "INVALID_STATE; a communication memberhub does not send is NOT_FOUND.",
        errors=(Invalid, NotFound, InvalidState),
    )
