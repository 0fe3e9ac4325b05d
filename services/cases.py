"""Service cases: deadlines, the status machine and its actions.

DESIGN §2 "Communications and service".

States: OPEN -> RESPONDED -> RESOLVED -> CLOSED, with ESCALATED reachable from any
unresolved state. Staff respond, escalate and resolve while a case is unresolved
(OPEN, RESPONDED, ESCALATED); a RESOLVED case can be rated once, which closes it.
Every action adds a Communication to the case; escalation notes are internal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core.ids import to_global_id
from core.settings import get_settings
from models.communication import Communication, ServiceCase
from models.enums import (
    CaseKind,
    CaseStatus,
    CommunicationCategory,
    ContactChannel,
    Direction,
    MemberStatus,
)
from models.member import Member
from models.staff import StaffUser
from services import delivery, validation
from services.clock import as_utc
from services.db import retry_busy, transaction
from services.errors import Invalid, InvalidState, NotAllowed, NotFound
from services.webhooks import emit
from services.webhooks.events import timestamp

# Staff still work a case in these states; a resolved or closed case takes no action.
UNRESOLVED = (CaseStatus.OPEN, CaseStatus.RESPONDED, CaseStatus.ESCALATED)
# A case can be rated once its outcome is known.
RATEABLE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
MAX_SUBJECT = 256


@dataclass(frozen=True)
class CaseOpening:
    member_id: int
    kind: CaseKind
    channel: ContactChannel
    subject: str
    description: str
    opened_at: datetime | None = None


def deadlines(kind: CaseKind, opened_at: datetime) -> tuple[datetime, datetime]:
    """(responseDueAt, resolutionDueAt) of a case of `kind` opened at `opened_at`."""
    settings = get_settings()
    resolution_hours = {
        CaseKind.COMPLAINT: settings.complaint_resolution_hours,
        CaseKind.INQUIRY: settings.inquiry_resolution_hours,
        CaseKind.SUGGESTION: settings.suggestion_resolution_hours,
    }[kind]
    return (
        opened_at + timedelta(hours=settings.response_hours),
        opened_at + timedelta(hours=resolution_hours),
    )


def overdue_q(now: datetime) -> Q:
    """Cases past a due time without the matching response or resolution, as SQL."""
    return Q(first_responded_at__isnull=True, response_due_at__lt=now) | Q(
        resolved_at__isnull=True, resolution_due_at__lt=now
    )


def is_overdue(case: ServiceCase, now: datetime) -> bool:
    """The same rule as `overdue_q`, for a loaded case."""
    late_response = case.first_responded_at is None and as_utc(case.response_due_at) < now
    late_resolution = case.resolved_at is None and as_utc(case.resolution_due_at) < now
    return late_response or late_resolution


def clean_text(
    value: str | None, field: Sequence[str], *, limit: int | None = None, line: bool = False
) -> str:
    """Required text (a single line when `line`), stripped, of at most `limit` characters."""
    text = validation.clean_text(value, field, required=True, line=line)
    assert text is not None  # required
    if limit is not None and len(text) > limit:
        raise Invalid(f"At most {limit} characters.", field)
    return text


def check_past(at: datetime | None, now: datetime, field: Sequence[str]) -> datetime:
    """`at` (default now) as aware UTC; a time in the future is INVALID."""
    if at is None:
        return now
    at = as_utc(at)
    if at > now:
        raise Invalid("This time lies in the future.", field)
    return at


async def check_member_reachable(member_id: int, field: Sequence[str]) -> None:
    """The member exists (NOT_FOUND) and is not TERMINATED (INVALID_STATE)."""
    member = await Member.filter(id=member_id).only("id", "status").first()
    if member is None:
        raise NotFound("No such member.", field)
    if member.status == MemberStatus.TERMINATED:
        raise InvalidState("The member is terminated.", field)


async def create_case(
    conn: Any,
    member_id: int,
    kind: CaseKind,
    channel: ContactChannel,
    subject: str,
    opened_at: datetime,
    assignee_id: int | None,
) -> ServiceCase:
    """Insert a case with its deadlines, inside the caller's transaction."""
    response_due, resolution_due = deadlines(kind, opened_at)
    return await ServiceCase.create(
        member_id=member_id,
        kind=kind,
        channel=channel,
        subject=subject,
        opened_at=opened_at,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        assignee_id=assignee_id,
        using_db=conn,
    )


async def open_service_case(
    opening: CaseOpening, now: datetime, *, staff_id: int | None
) -> ServiceCase:
    """Open a case with its first INBOUND communication (the description).

    Raises Invalid (empty subject or description, openedAt in the future), NotFound
    and InvalidState (no such member, or terminated).
    """
    subject = clean_text(opening.subject, ("input", "subject"), limit=MAX_SUBJECT, line=True)
    description = clean_text(opening.description, ("input", "description"))
    opened_at = check_past(opening.opened_at, now, ("input", "openedAt"))
    await check_member_reachable(opening.member_id, ("input", "memberId"))

    async def write() -> ServiceCase:
        async with transaction() as conn:
            case = await create_case(
                conn, opening.member_id, opening.kind, opening.channel, subject, opened_at, staff_id
            )
            await Communication.create(
                member_id=opening.member_id,
                case_id=case.id,
                channel=opening.channel,
                direction=Direction.INBOUND,
                category=CommunicationCategory(opening.kind.value),
                subject=subject,
                content=description,
                occurred_at=opened_at,
                staff_id=staff_id,
                using_db=conn,
            )
            data = {
                "caseId": to_global_id("ServiceCase", case.id),
                "kind": case.kind.value,
                "channel": case.channel.value,
                "openedAt": timestamp(opened_at),
                "responseDueAt": timestamp(case.response_due_at),
                "resolutionDueAt": timestamp(case.resolution_due_at),
            }
            await emit(conn, "case.opened", opening.member_id, data, now)
            return case

    return await retry_busy(write)


async def _load(case_id: int) -> ServiceCase:
    case = await ServiceCase.get_or_none(id=case_id)
    if case is None:
        raise NotFound("No such service case.", ("input", "id"))
    return case


def _require(case: ServiceCase, allowed: Sequence[CaseStatus], action: str) -> None:
    if case.status not in allowed:
        raise InvalidState(
            f"The case is {case.status.value} and cannot be {action}.", ("input", "id")
        )


def _action_time(case: ServiceCase, at: datetime | None, now: datetime) -> datetime:
    when = check_past(at, now, ("input", "at"))
    if when < as_utc(case.opened_at):
        raise Invalid("This time lies before the case was opened.", ("input", "at"))
    return when


async def _apply(
    case: ServiceCase,
    changes: dict[str, Any],
    note: dict[str, Any],
    guard: dict[str, Any] | None = None,
) -> ServiceCase:
    """Write `changes` if the case is still as read (a guarded UPDATE first), plus its note."""

    async def write() -> None:
        async with transaction() as conn:
            updated = (
                await ServiceCase.filter(id=case.id, status=case.status, **(guard or {}))
                .using_db(conn)
                .update(**changes)
            )
            if not updated:
                raise InvalidState("The case changed meanwhile; reload it.", ("input", "id"))
            message = await Communication.create(
                member_id=case.member_id,
                case_id=case.id,
                channel=case.channel,
                using_db=conn,
                **note,
            )
            await delivery.queue(conn, [message], message.occurred_at)

    await retry_busy(write)
    for name, value in changes.items():
        setattr(case, name, value)
    return case


def _staff_note(content: str, staff_id: int | None, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "direction": Direction.OUTBOUND,
        "category": CommunicationCategory.FOLLOW_UP,
        "content": content,
        "staff_id": staff_id,
        "occurred_at": at,
        **extra,
    }


async def respond_to_case(
    case_id: int, message: str, at: datetime | None, now: datetime, *, staff_id: int | None
) -> ServiceCase:
    """Answer the member (OUTBOUND); the first answer sets firstRespondedAt and RESPONDED.

    Raises NotFound, InvalidState (resolved or closed), Invalid (empty message, bad `at`).
    """
    content = clean_text(message, ("input", "message"))
    case = await _load(case_id)
    _require(case, UNRESOLVED, "responded to")
    when = _action_time(case, at, now)
    changes: dict[str, Any] = {
        "status": CaseStatus.RESPONDED if case.status == CaseStatus.OPEN else case.status,
        "first_responded_at": case.first_responded_at or when,
        "assignee_id": case.assignee_id or staff_id,
    }
    return await _apply(case, changes, _staff_note(content, staff_id, when))


async def escalate_case(
    case_id: int, to_staff_id: int, note: str, now: datetime, *, staff_id: int | None
) -> ServiceCase:
    """Hand the case to a supervisor (status ESCALATED) with an internal note.

    Raises NotFound (case or staff), Invalid (inactive staff, empty note), InvalidState.
    """
    content = clean_text(note, ("input", "note"))
    case = await _load(case_id)
    _require(case, UNRESOLVED, "escalated")
    supervisor = await StaffUser.get_or_none(id=to_staff_id)
    if supervisor is None:
        raise NotFound("No such staff user.", ("input", "toStaffId"))
    if not supervisor.active:
        raise Invalid("That staff user is deactivated.", ("input", "toStaffId"))
    changes = {"status": CaseStatus.ESCALATED, "escalated_to_id": supervisor.id}
    return await _apply(case, changes, _staff_note(content, staff_id, now, internal=True))


async def resolve_case(
    case_id: int, message: str, at: datetime | None, now: datetime, *, staff_id: int | None
) -> ServiceCase:
    """Resolve the case with the resolution sent to the member (OUTBOUND).

    A resolution also answers the member, so it sets firstRespondedAt if still unset.
    Raises NotFound, InvalidState (already resolved or closed), Invalid.
    """
    content = clean_text(message, ("input", "message"))
    case = await _load(case_id)
    _require(case, UNRESOLVED, "resolved")
    when = _action_time(case, at, now)
    changes: dict[str, Any] = {
        "status": CaseStatus.RESOLVED,
        "resolved_at": when,
        "resolution": content,
        "first_responded_at": case.first_responded_at or when,
        "assignee_id": case.assignee_id or staff_id,
    }
    return await _apply(case, changes, _staff_note(content, staff_id, when))


async def rate_case(
    case_id: int,
    score: int,
    comment: str | None,
    now: datetime,
    *,
    staff_id: int | None,
    rater_member_id: int | None,
) -> ServiceCase:
    """Record the member's satisfaction (a SURVEY communication) once; rating closes the case.

    Only RESOLVED (or CLOSED) cases are rated: the member judges the outcome.
    Raises Invalid (score outside 1-5), NotFound, NotAllowed (a member rating another
    member's case), InvalidState (not resolved yet, or rated already).
    """
    if not 1 <= score <= 5:
        raise Invalid("A score is 1 to 5.", ("input", "score"))
    case = await _load(case_id)
    if rater_member_id is not None and case.member_id != rater_member_id:
        raise NotAllowed("Members rate their own cases only.")
    _require(case, RATEABLE, "rated before it is resolved")
    if case.satisfaction_score is not None:
        raise InvalidState("This case is rated already.", ("input", "id"))
    changes = {"status": CaseStatus.CLOSED, "satisfaction_score": score}
    survey = {
        "direction": Direction.INBOUND,
        "category": CommunicationCategory.SURVEY,
        "content": (comment or "").strip() or None,
        "satisfaction_score": score,
        "staff_id": staff_id,
        "occurred_at": now,
    }
    return await _apply(case, changes, survey, guard={"satisfaction_score__isnull": True})
