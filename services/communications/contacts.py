"""Logging single contacts and system notifications (DESIGN §2 "Communications and service")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.communication import Communication, ServiceCase
from models.enums import CaseKind, CommunicationCategory, ContactChannel, Direction
from models.member import Member
from services import cases, delivery
from services.db import retry_busy, transaction
from services.errors import Invalid, NotAllowed, NotFound

# Inbound contacts of these categories are service requests: logged without a case, they open one.
CASE_CATEGORIES = {
    CommunicationCategory.INQUIRY: CaseKind.INQUIRY,
    CommunicationCategory.COMPLAINT: CaseKind.COMPLAINT,
    CommunicationCategory.SUGGESTION: CaseKind.SUGGESTION,
}


@dataclass(frozen=True)
class CommunicationEntry:
    member_id: int
    channel: ContactChannel
    direction: Direction
    category: CommunicationCategory
    subject: str | None = None
    content: str | None = None
    occurred_at: datetime | None = None
    case_id: int | None = None
    satisfaction_score: int | None = None


async def notify(
    member_id: int, subject: str, content: str, now: datetime, *, using_db: Any = None
) -> Communication:
    """Queue an outbound NOTIFICATION to a member (welcome, termination notice, tier change)
    and its delivery, on the channel `notice_channel` chooses from the member's email now."""
    email = await Member.filter(id=member_id).using_db(using_db).values_list("email", flat=True)
    # Tortoise types values_list as tuples, flat=True or not.
    address: Any = email[0] if email else None
    message = notification(member_id, address, subject, content, now)
    await message.save(using_db=using_db)
    await delivery.queue(using_db, [message], now)
    return message


def notice_channel(email: str | None) -> ContactChannel:
    """The channel of every notice memberhub sends itself (DESIGN §8 "Notices"): EMAIL to
    members with an email address, SMS to the others (one with no phone either is SKIPPED
    when its delivery is sent)."""
    return ContactChannel.EMAIL if email else ContactChannel.SMS


def notification(
    member_id: int, email: str | None, subject: str, content: str, now: datetime
) -> Communication:
    """The NOTIFICATION `notify` queues, unsaved (for writers that insert many at once), to
    the member whose email address is `email`."""
    return Communication(
        member_id=member_id,
        channel=notice_channel(email),
        direction=Direction.OUTBOUND,
        category=CommunicationCategory.NOTIFICATION,
        subject=subject,
        content=content,
        occurred_at=now,
    )


def _check_entry(entry: CommunicationEntry, now: datetime) -> datetime:
    score = entry.satisfaction_score
    if score is not None and not 1 <= score <= 5:
        raise Invalid("A satisfaction score is 1 to 5.", ("input", "satisfactionScore"))
    if entry.subject is not None and len(entry.subject) > cases.MAX_SUBJECT:
        raise Invalid(f"At most {cases.MAX_SUBJECT} characters.", ("input", "subject"))
    return cases.check_past(entry.occurred_at, now, ("input", "occurredAt"))


async def _check_case(case_id: int, member_id: int) -> None:
    case = await ServiceCase.filter(id=case_id).only("id", "member_id").first()
    if case is None:
        raise NotFound("No such service case.", ("input", "caseId"))
    if case.owner_member_id != member_id:
        raise Invalid("That case belongs to another member.", ("input", "caseId"))


def case_to_open(entry: CommunicationEntry) -> CaseKind | None:
    """The kind of case an entry opens: inbound service requests logged without one."""
    if entry.case_id is not None or entry.direction != Direction.INBOUND:
        return None
    return CASE_CATEGORIES.get(entry.category)


def check_marketing_only(category: CommunicationCategory, marketing_only: bool) -> None:
    """Staff limited to marketing (policy scope MARKETING_ONLY) handle nothing else."""
    if marketing_only and category != CommunicationCategory.MARKETING:
        raise NotAllowed("Your role may only handle MARKETING communications.")


async def log_communication(
    entry: CommunicationEntry,
    now: datetime,
    *,
    staff_id: int | None,
    marketing_only: bool = False,
) -> Communication:
    """Record one contact; an inbound inquiry, complaint or suggestion without a case opens one.

    Raises Invalid (score outside 1-5, future occurredAt, another member's case),
    NotFound (member or case), InvalidState (terminated member), NotAllowed (a
    marketing-only actor logging another category).
    """
    occurred_at = _check_entry(entry, now)
    await cases.check_member_reachable(entry.member_id, ("input", "memberId"))
    if entry.case_id is not None:
        await _check_case(entry.case_id, entry.member_id)
    check_marketing_only(entry.category, marketing_only)
    kind = case_to_open(entry)

    async def write() -> Communication:
        async with transaction() as conn:
            case_id = entry.case_id
            if kind is not None:
                subject = (
                    entry.subject or ""
                ).strip() or f"{kind.value.title()} via {entry.channel.value}"
                case = await cases.create_case(
                    conn, entry.member_id, kind, entry.channel, subject, occurred_at, staff_id
                )
                case_id = case.id
            return await Communication.create(
                member_id=entry.member_id,
                channel=entry.channel,
                direction=entry.direction,
                category=entry.category,
                subject=entry.subject,
                content=entry.content,
                occurred_at=occurred_at,
                staff_id=staff_id,
                case_id=case_id,
                satisfaction_score=entry.satisfaction_score,
                using_db=conn,
            )

    return await retry_busy(write)
