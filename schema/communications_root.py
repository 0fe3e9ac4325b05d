"""Root fields of communications: contacts, sends, service cases and insights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from core.ids import to_global_id
from models.communication import ServiceCase as ServiceCaseModel
from resolvers.communications import marketing_only, visibility
from resolvers.ids import decode_id
from resolvers.members import searchable_fields
from schema.communications import (
    CaseActionInput,
    CasePayload,
    CommunicationPayload,
    EscalateCaseInput,
    LogCommunicationInput,
    OpenCaseInput,
    RateCaseInput,
    SendCommunicationInput,
    SendCommunicationPayload,
    ServiceCase,
)
from schema.context import Info
from schema.enums import CaseStatus
from schema.insights import Insights
from schema.pagination import After, Connection, First, paginate
from schema.sends import Send
from schema.user_errors import mutation, user_errors
from services import cases
from services import communications as service
from services import insights as insights_service
from services import members as members_service
from services.clock import utcnow
from services.communications import listing
from services.communications.listing import CaseFilter
from services.errors import Invalid, InvalidState, NotFound

# respond_to_case and resolve_case: (case id, message, at, now, *, staff_id) -> the case.
CaseAnswer = Callable[..., Awaitable[ServiceCaseModel]]

# ---------------------------------------------------------------- reading


async def service_cases(
    info: Info,
    status: Annotated[
        CaseStatus | None, strawberry.argument(description="Only cases in this state.")
    ] = None,
    overdue: Annotated[
        bool | None,
        strawberry.argument(
            description="true: only cases past a due time without the matching response or "
            "resolution; false: only the others."
        ),
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[ServiceCase]:
    key = ("Query", "serviceCases")
    rows = listing.service_cases(
        CaseFilter(visibility(info.context, key), status, overdue, utcnow())
    )
    if info.context.cell(key).kind == "self":
        rows = rows.filter(member_id=info.context.scope_member(None, ()))
    return await paginate(rows.order_by("opened_at", "id"), first, after)


async def sends(info: Info, first: First = None, after: After = None) -> Connection[Send]:
    return await paginate(service.sends(), first, after, info)


async def insights(
    from_: Annotated[
        datetime | None,
        strawberry.argument(name="from", description="Start of the window; default to - 30 days."),
    ] = None,
    to: Annotated[
        datetime | None, strawberry.argument(description="End of the window; default now.")
    ] = None,
) -> Insights:
    return Insights.of(await insights_service.insights(from_, to, utcnow()))


# ---------------------------------------------------------------- contacts


@user_errors(CommunicationPayload)
async def log_communication(
    info: Info,
    input: Annotated[LogCommunicationInput, strawberry.argument(description="The contact.")],
) -> CommunicationPayload:
    member_id = decode_id(input.member_id, "Member", ("input", "memberId"))
    case_id = (
        decode_id(input.case_id, "ServiceCase", ("input", "caseId")) if input.case_id else None
    )
    info.context.audit.target_member(member_id)
    entry = service.CommunicationEntry(
        member_id=member_id,
        channel=input.channel,
        direction=input.direction,
        category=input.category,
        subject=input.subject,
        content=input.content,
        occurred_at=input.occurred_at,
        case_id=case_id,
        satisfaction_score=input.satisfaction_score,
    )
    row = await service.log_communication(
        entry,
        utcnow(),
        staff_id=info.context.actor.staff_id,
        marketing_only=marketing_only(info.context, "logCommunication"),
    )
    info.context.audit.target(to_global_id("Communication", row.id))
    if row.case_id is not None:
        info.context.audit.target(to_global_id("ServiceCase", row.case_id))
    return CommunicationPayload(communication=row)  # type: ignore[arg-type]


@user_errors(SendCommunicationPayload)
async def send_communication(
    info: Info,
    input: Annotated[
        SendCommunicationInput, strawberry.argument(description="The message and its audience.")
    ],
) -> SendCommunicationPayload:
    member_ids = None
    if input.member_ids is not None:
        member_ids = [decode_id(gid, "Member", ("input", "memberIds")) for gid in input.member_ids]
        for member_id in member_ids:
            info.context.audit.target_member(member_id)
    query = input.filter.to_query() if input.filter is not None else None
    audience = (
        await members_service.filter_members(query, utcnow(), searchable_fields(info.context))
        if query is not None
        else None
    )
    broadcast = service.Broadcast(input.channel, input.category, input.content, input.subject)
    result = await service.send_communication(
        broadcast,
        utcnow(),
        staff_id=info.context.actor.staff_id,
        member_ids=member_ids,
        audience=audience,
        marketing_only=marketing_only(info.context, "sendCommunication"),
        holdout=input.holdout,
        tags_used=query.segment.tag_codes if query is not None else (),
    )
    if result.outreach is not None:
        info.context.audit.target(to_global_id("Send", result.outreach.id))
    return SendCommunicationPayload(
        sent=result.sent,
        skipped_no_consent=result.skipped_no_consent,
        held_out=result.held_out,
        send=result.outreach,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- service cases


def _case_id(info: Info, global_id: strawberry.ID) -> int:
    case_id = decode_id(global_id, "ServiceCase")
    info.context.audit.target(to_global_id("ServiceCase", case_id))
    return case_id


def _case_payload(info: Info, case: ServiceCaseModel) -> CasePayload:
    info.context.audit.target(to_global_id("ServiceCase", case.id))
    info.context.audit.target_member(case.owner_member_id)
    return CasePayload(case=case)  # type: ignore[arg-type]


@user_errors(CasePayload)
async def open_service_case(
    info: Info, input: Annotated[OpenCaseInput, strawberry.argument(description="The case.")]
) -> CasePayload:
    field = ("input", "memberId")
    given = decode_id(input.member_id, "Member", field) if input.member_id else None
    opening = cases.CaseOpening(
        member_id=info.context.scope_member(given, field),
        kind=input.kind,
        channel=input.channel,
        subject=input.subject,
        description=input.description,
        opened_at=input.opened_at,
    )
    case = await cases.open_service_case(opening, utcnow(), staff_id=info.context.actor.staff_id)
    return _case_payload(info, case)


async def _answer(info: Info, input: CaseActionInput, answer: CaseAnswer) -> CasePayload:
    case = await answer(
        _case_id(info, input.id),
        input.message,
        input.at,
        utcnow(),
        staff_id=info.context.actor.staff_id,
    )
    return _case_payload(info, case)


@user_errors(CasePayload)
async def respond_to_case(
    info: Info,
    input: Annotated[CaseActionInput, strawberry.argument(description="The case and the answer.")],
) -> CasePayload:
    return await _answer(info, input, cases.respond_to_case)


@user_errors(CasePayload)
async def escalate_case(
    info: Info,
    input: Annotated[
        EscalateCaseInput, strawberry.argument(description="The case, supervisor and note.")
    ],
) -> CasePayload:
    case = await cases.escalate_case(
        _case_id(info, input.id),
        decode_id(input.to_staff_id, "StaffUser", ("input", "toStaffId")),
        input.note,
        utcnow(),
        staff_id=info.context.actor.staff_id,
    )
    return _case_payload(info, case)


@user_errors(CasePayload)
async def resolve_case(
    info: Info,
    input: Annotated[
        CaseActionInput, strawberry.argument(description="The case and the resolution.")
    ],
) -> CasePayload:
    return await _answer(info, input, cases.resolve_case)


@user_errors(CasePayload)
async def rate_case(
    info: Info,
    input: Annotated[RateCaseInput, strawberry.argument(description="The case and the rating.")],
) -> CasePayload:
    actor = info.context.actor
    case = await cases.rate_case(
        _case_id(info, input.id),
        input.score,
        input.comment,
        utcnow(),
        staff_id=actor.staff_id,
        rater_member_id=actor.member_id if actor.is_member else None,
    )
    return _case_payload(info, case)


@strawberry.type
class CommunicationsQuery:
    """Root query fields of communications (joined in schema/root.py)."""

    service_cases: Connection[ServiceCase] = strawberry.field(
        resolver=service_cases,
        description="Service cases, oldest first (members: their own). `overdue: true` lists "
        "the deadline breaches.",
    )
    sends: Connection[Send] = strawberry.field(
        resolver=sends,
        description="Every sendCommunication that reached someone, newest first, with its effect.",
    )
    insights: Insights = strawberry.field(
        resolver=insights,
        description="Programme figures for a window (default the last 30 days). from after "
        "to is an INVALID error.",
    )


@strawberry.type
class CommunicationsMutation:
    """Root mutation fields of communications (joined in schema/root.py)."""

    log_communication: CommunicationPayload = mutation(
        log_communication,
        "Record a contact with a member. An INBOUND INQUIRY, COMPLAINT or SUGGESTION logged "
        "without a case opens one, as openServiceCase does. Roles limited to MARKETING may "
        "log MARKETING contacts only (FORBIDDEN otherwise).",
        errors=(Invalid, NotFound, InvalidState),
    )
    send_communication: SendCommunicationPayload = mutation(
        send_communication,
        "Send one message to the members named or selected by a filter (one of the two). "
        "TERMINATED members get nothing; MARKETING goes only to members who consented to "
        "the channel; both are counted in skippedNoConsent.",
        errors=(Invalid, NotFound),
    )
    open_service_case: CasePayload = mutation(
        open_service_case,
        "Open a service case (members: for themselves) with its first INBOUND contact. The "
        "response is due in 24 hours, the resolution in 48 hours for complaints (configurable).",
        errors=(Invalid, NotFound, InvalidState),
    )
    respond_to_case: CasePayload = mutation(
        respond_to_case,
        "Answer the member on an unresolved case (an OUTBOUND contact); the first answer sets "
        "firstRespondedAt and status RESPONDED. A RESOLVED or CLOSED case is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
    escalate_case: CasePayload = mutation(
        escalate_case,
        "Hand an unresolved case to a supervisor (status ESCALATED, assignee the supervisor) "
        "with an internal note members do not see.",
        errors=(Invalid, NotFound, InvalidState),
    )
    resolve_case: CasePayload = mutation(
        resolve_case,
        "Resolve an unresolved case with the message sent to the member (status RESOLVED).",
        errors=(Invalid, NotFound, InvalidState),
    )
    rate_case: CasePayload = mutation(
        rate_case,
        "Record the member's satisfaction with a RESOLVED case, once; it closes the case "
        "(CLOSED). Members rate their own cases only.",
        errors=(Invalid, NotFound, InvalidState),
    )
