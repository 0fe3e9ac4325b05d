"""The outbox (DESIGN §8): a delivery row beside every outbound communication memberhub
sends, written in the transaction that writes the communication.

Sends queue: notices (`communications.notify`, tier changes), `sendCommunication`, a
case's answers to the member. A contact logged with `logCommunication` has already
happened (staff record a call made or a mail written elsewhere) and is not sent again,
nor is an internal case note.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from models.communication import Communication
from models.delivery import Delivery
from models.enums import ContactChannel, DeliveryStatus, Direction
from services.db import retry_busy, transaction
from services.errors import InvalidState, NotFound

# The channels memberhub can send on; the others (PHONE, STORE ...) are logged contacts.
SENDABLE = (ContactChannel.EMAIL, ContactChannel.SMS, ContactChannel.APP_PUSH)
# Ids looked up per statement, below SQLite's bound-parameter limit.
ID_CHUNK = 500
INSERT_BATCH = 1000
# Once erased, a delivery can never send: the member is gone (DESIGN §8 "Erasure").
CANCELLABLE = (DeliveryStatus.QUEUED, DeliveryStatus.FAILED)


def is_sent(message: Communication) -> bool:
    """Whether memberhub sends this communication (rather than only recording it)."""
    return (
        message.direction == Direction.OUTBOUND
        and message.channel in SENDABLE
        and not message.internal
    )


def _row(message: Communication, now: datetime) -> Delivery:
    return Delivery(
        communication_id=message.id,
        member_id=message.member_id,
        channel=message.channel,
        next_attempt_at=now,
        created_at=now,
    )


async def queue(conn: Any, messages: Sequence[Communication], now: datetime) -> None:
    """Queue the saved `messages` memberhub sends, inside the caller's transaction."""
    rows = [_row(message, now) for message in messages if is_sent(message)]
    if rows:
        await Delivery.bulk_create(rows, batch_size=INSERT_BATCH, using_db=conn)


async def queue_inserted(conn: Any, member_ids: Sequence[int], occurred_at: datetime) -> None:
    """Queue the communications just bulk-inserted for `member_ids` at `occurred_at`.

    bulk_create leaves SQLite's rows without ids, so they are found again: the sendable
    outbound rows of those members at that instant that have no delivery yet.
    """
    wanted = list(dict.fromkeys(member_ids))
    for start in range(0, len(wanted), ID_CHUNK):
        found = await (
            Communication.filter(
                member_id__in=wanted[start : start + ID_CHUNK],
                occurred_at=occurred_at,
                direction=Direction.OUTBOUND,
                channel__in=SENDABLE,
                internal=False,
            )
            .using_db(conn)
            .only("id", "member_id", "channel", "direction", "internal")
        )
        queued = set(
            await Delivery.filter(communication_id__in=[message.id for message in found])
            .using_db(conn)
            .values_list("communication_id", flat=True)
        )
        # Tortoise types values_list as tuples, flat=True or not.
        queued_ids: set[Any] = queued
        await queue(
            conn, [message for message in found if message.id not in queued_ids], occurred_at
        )


async def retry_delivery(communication_id: int, now: datetime) -> Delivery:
    """Queue a FAILED delivery again, with a fresh count of attempts.

    Raises NotFound (no such communication, or one memberhub does not send) and
    InvalidState (the delivery is not FAILED). DESIGN §8.
    """
    path = ("input", "communicationId")

    async def write() -> Delivery:
        async with transaction() as conn:
            requeued = await (
                Delivery.filter(communication_id=communication_id, status=DeliveryStatus.FAILED)
                .using_db(conn)
                .update(status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now)
            )
            delivery = (
                await Delivery.filter(communication_id=communication_id).using_db(conn).first()
            )
        if delivery is None:
            raise NotFound("No delivery for this communication.", path)
        if not requeued:
            raise InvalidState(f"The delivery is {delivery.status.value}, not FAILED.", path)
        return delivery

    return await retry_busy(write)


def deliveries(
    status: DeliveryStatus | None = None, channel: ContactChannel | None = None
) -> QuerySet[Delivery]:
    """Deliveries, optionally of one status and channel (`Query.deliveries`)."""
    rows = Delivery.all()
    if status is not None:
        rows = rows.filter(status=status)
    if channel is not None:
        rows = rows.filter(channel=channel)
    return rows


async def cancel_for_member(member_id: int) -> int:
    """Cancel what a terminated member would still be sent (erasure, inside its
    transaction); returns how many."""
    return await Delivery.filter(member_id=member_id, status__in=CANCELLABLE).update(
        status=DeliveryStatus.CANCELLED, next_attempt_at=None
    )
