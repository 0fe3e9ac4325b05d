"""What the notices tests read back: a member's notices and their deliveries (the outbox)."""

from __future__ import annotations

from models.communication import Communication
from models.delivery import Delivery
from models.enums import CommunicationCategory


async def notices(member_id: int, subject: str | None = None) -> list[Communication]:
    rows = Communication.filter(member_id=member_id, category=CommunicationCategory.NOTIFICATION)
    if subject is not None:
        rows = rows.filter(subject=subject)
    return await rows.order_by("id")


async def delivery_of(notice: Communication) -> Delivery:
    """The notice's delivery row, which must exist: every notice is sent."""
    return await Delivery.get(communication_id=notice.id)
