"""Outbound sends to many members at once (DESIGN §2: consent per marketing channel)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from models.communication import Communication
from models.enums import (
    CommunicationCategory,
    ContactChannel,
    Direction,
    MemberStatus,
    OutreachKind,
    TagUseKind,
)
from models.member import Member
from models.outreach import Outreach
from services import cases, delivery
from services.communications.contacts import check_marketing_only
from services.db import retry_busy, transaction
from services.errors import Invalid, NotFound
from services.outreach import Draw, clean_share, draw, new_seed, record_outreach
from services.tags.uses import record_uses_by_code

# The consent that admits MARKETING on each channel. Channels without a consent field
# (ONLINE_CHAT, SOCIAL, STORE) never carry MARKETING: nobody has agreed to it there.
CONSENT_FIELDS = {
    ContactChannel.SMS: "marketing_sms",
    ContactChannel.EMAIL: "marketing_email",
    ContactChannel.PHONE: "marketing_phone",
    ContactChannel.APP_PUSH: "marketing_push",
}
# Explicit IDs are looked up in chunks to stay below SQLite's bound-parameter limit.
ID_CHUNK = 500
# Rows per INSERT statement: a 10,000-member send is a handful of statements.
INSERT_BATCH = 1000


@dataclass(frozen=True)
class Broadcast:
    channel: ContactChannel
    category: CommunicationCategory
    content: str
    subject: str | None = None


@dataclass(frozen=True)
class SendResult:
    sent: int
    skipped_no_consent: int
    held_out: int = 0
    # The record of who was contacted and who held out; None when nobody would receive it.
    outreach: Outreach | None = None


async def _rows_of_ids(
    member_ids: Sequence[int], columns: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    wanted = list(dict.fromkeys(member_ids))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        rows.extend(await Member.filter(id__in=chunk).values_list(*columns))
    if len(rows) < len(wanted):
        raise NotFound("Some of these members do not exist.", ("input", "memberIds"))
    return rows


async def _audience_rows(
    member_ids: Sequence[int] | None, audience: QuerySet[Member] | None, columns: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    if member_ids is not None:
        if not member_ids:
            raise Invalid("Name at least one member.", ("input", "memberIds"))
        return await _rows_of_ids(member_ids, columns)
    assert audience is not None
    return list(await audience.values_list(*columns))


async def _insert(
    drawn: Draw,
    seed: int,
    share: float,
    broadcast: Broadcast,
    now: datetime,
    staff_id: int | None,
    tags_used: Sequence[str],
) -> Outreach:
    recipients = drawn.contacted
    rows = [
        Communication(
            member_id=member_id,
            channel=broadcast.channel,
            direction=Direction.OUTBOUND,
            category=broadcast.category,
            subject=broadcast.subject,
            content=broadcast.content,
            occurred_at=now,
            staff_id=staff_id,
        )
        for member_id in recipients
    ]

    async def write() -> Outreach:
        async with transaction() as conn:
            outreach = await record_outreach(
                conn,
                OutreachKind.SEND,
                now,
                seed,
                share,
                drawn,
                staff_id=staff_id,
                channel=broadcast.channel,
                category=broadcast.category,
            )
            await insert_messages(conn, rows, now)
            reached = len(recipients)
            await record_uses_by_code(conn, tags_used, TagUseKind.SEND, now, reached, outreach.id)
            return outreach

    return await retry_busy(write)


def sends() -> QuerySet[Outreach]:
    """The outreach of every send, newest first."""
    return Outreach.filter(kind=OutreachKind.SEND).order_by("-at", "-id")


async def insert_messages(conn: Any, messages: list[Communication], now: datetime) -> None:
    """Write outbound `messages` occurring at `now` and queue their deliveries (the outbox,
    DESIGN §8), in `conn`'s transaction: what sendCommunication and programmes send."""
    await Communication.bulk_create(messages, batch_size=INSERT_BATCH, using_db=conn)
    await delivery.queue_inserted(conn, [message.member_id for message in messages], now)


async def send_communication(
    broadcast: Broadcast,
    now: datetime,
    *,
    staff_id: int | None,
    member_ids: Sequence[int] | None = None,
    audience: QuerySet[Member] | None = None,
    marketing_only: bool = False,
    holdout: float = 0.0,
    tags_used: Sequence[str] = (),
) -> SendResult:
    """Send one message to explicit members or to everyone an audience query selects.

    Nobody TERMINATED receives anything; MARKETING goes only to members who consented
    to the channel. Both kinds of skip are counted in `skipped_no_consent`. Of those who
    would receive it, a `holdout` share (0 to 0.5) drawn at random gets nothing; the draw
    and who was contacted are recorded with the messages (an Outreach of kind SEND), so
    the send's effect can be measured against those held out. Each tag of `tags_used` (those
    the audience's filter names) counts one use, reaching those contacted.
    Raises Invalid (both or neither audience, empty content, holdout out of range),
    NotFound (unknown IDs), NotAllowed (a marketing-only actor sending another category).
    """
    content = cases.clean_text(broadcast.content, ("input", "content"))
    if broadcast.subject is not None and len(broadcast.subject) > cases.MAX_SUBJECT:
        raise Invalid(f"At most {cases.MAX_SUBJECT} characters.", ("input", "subject"))
    if (member_ids is None) == (audience is None):
        raise Invalid("Give either memberIds or a filter, not both.", ("input", "memberIds"))
    share = clean_share(holdout, ("input", "holdout"))
    check_marketing_only(broadcast.category, marketing_only)
    marketing = broadcast.category == CommunicationCategory.MARKETING
    consent = CONSENT_FIELDS.get(broadcast.channel) if marketing else None
    columns = ("id", "status") + ((consent,) if consent else ())
    rows = await _audience_rows(member_ids, audience, columns)
    recipients = [
        row[0]
        for row in rows
        if row[1] != MemberStatus.TERMINATED and (not marketing or (consent and row[2]))
    ]
    skipped = len(rows) - len(recipients)
    if not recipients:
        return SendResult(sent=0, skipped_no_consent=skipped)
    message = Broadcast(broadcast.channel, broadcast.category, content, broadcast.subject)
    seed = new_seed()
    drawn = draw(recipients, share, seed)
    outreach = await _insert(drawn, seed, share, message, now, staff_id, tags_used)
    return SendResult(len(drawn.contacted), skipped, len(drawn.held_out), outreach)
