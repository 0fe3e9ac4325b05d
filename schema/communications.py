"""Types of communications and service cases, and the Member fields that list them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.ids import to_global_id
from models.communication import Communication as CommunicationModel
from models.communication import ServiceCase as ServiceCaseModel
from resolvers.communications import visibility
from resolvers.loaders import by_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.delivery import Delivery, load_delivery_by_communication
from schema.enums import CaseKind, CaseStatus, CommunicationCategory, ContactChannel, Direction
from schema.member_filter import MemberFilter
from schema.pagination import After, Connection, First, Window, keyed_connection
from schema.sends import Send
from schema.staff import StaffUser
from services import limits
from services.cases import is_overdue
from services.clock import utcnow
from services.communications import listing
from services.communications.listing import CaseFilter, CommunicationFilter, Visibility
from shortcuts import CountKey, PageKey, load_counts, load_pages, pages_by_parent

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]

# ---------------------------------------------------------------- batch functions

load_case_by_id = by_id(ServiceCaseModel)


async def load_communication_pages(
    keys: Sequence[PageKey[CommunicationFilter]],
) -> list[list[CommunicationModel]]:
    return await load_pages(keys, listing.communications, "member_id", ("-occurred_at", "-id"))


async def load_communication_counts(keys: Sequence[CountKey[CommunicationFilter]]) -> list[int]:
    return await load_counts(keys, listing.communications, "member_id")


async def load_case_pages(keys: Sequence[PageKey[CaseFilter]]) -> list[list[ServiceCaseModel]]:
    return await load_pages(keys, listing.service_cases, "member_id", ("-opened_at", "-id"))


async def load_case_counts(keys: Sequence[CountKey[CaseFilter]]) -> list[int]:
    return await load_counts(keys, listing.service_cases, "member_id")


# A page reads one row more than its limit (to tell whether more follow).
_NEWEST_CONTACTS = Window(offset=0, limit=limits.CASE_COMMUNICATIONS - 1)


async def load_case_communications(
    keys: Sequence[tuple[int, Visibility]],
) -> list[list[CommunicationModel]]:
    """Each case's newest communications in time order, one query per distinct view: a
    long case is not read whole."""
    found: dict[tuple[int, Visibility], list[CommunicationModel]] = {}
    for view in {view for _, view in keys}:
        case_ids = [case_id for case_id, key_view in keys if key_view == view]
        pages = await pages_by_parent(
            listing.visible_communications,
            view,
            "case_id",
            ("-occurred_at", "-id"),
            case_ids,
            _NEWEST_CONTACTS,
        )
        for case_id in case_ids:
            found[(case_id, view)] = pages[case_id][::-1]
    return [found[key] for key in keys]


# ---------------------------------------------------------------- types


@model_type(
    CommunicationModel,
    description="One contact with a member, either way: a logged call or visit, a message "
    "sent, a note on a service case.",
)
class Communication(Node):
    channel: ContactChannel = strawberry.field(description="The medium.")
    direction: Direction = strawberry.field(description="Who started it.")
    category: CommunicationCategory = strawberry.field(description="What it is about.")
    subject: str | None = strawberry.field(description="Subject line, if any.")
    content: str | None = strawberry.field(
        description="What was said or written; null once erased with the member's data."
    )
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    satisfaction_score: int | None = strawberry.field(
        description="The member's satisfaction, 1 (worst) to 5 (best), if given."
    )

    @strawberry.field(description="Global ID of the communication.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Communication", self.id))

    @strawberry.field(description="The member contacted.")
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field(description="The staff user who logged or sent it; null for the system.")
    async def staff(self, info: Info) -> StaffUser | None:
        if self.staff_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.staff_id)

    @strawberry.field(
        description="The service case it belongs to; null when none or not visible to the "
        "caller's role."
    )
    async def case(self, info: Info) -> ServiceCase | None:
        if self.case_id is None or not visibility(info.context).cases:
            return None
        return await info.context.loaders.get(load_case_by_id).load(self.case_id)

    @strawberry.field(
        description="How memberhub sends it to the member; null for a contact only recorded "
        "(PHONE, STORE, inbound, logged with logCommunication, internal notes)."
    )
    async def delivery(self, info: Info) -> Delivery | None:
        return await info.context.loaders.get(load_delivery_by_communication).load(self.id)


@model_type(
    ServiceCaseModel,
    description="A member's inquiry, complaint or suggestion, tracked against its response "
    "and resolution deadlines.",
)
class ServiceCase(Node):
    kind: CaseKind = strawberry.field(description="What kind of case.")
    channel: ContactChannel = strawberry.field(description="Where the member raised it.")
    subject: str = strawberry.field(description="Short summary.")
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    opened_at: datetime = strawberry.field(description="When it was opened (UTC).")
    response_due_at: datetime = strawberry.field(
        description="openedAt + 24h (MEMBERHUB_RESPONSE_HOURS), UTC."
    )
    resolution_due_at: datetime = strawberry.field(
        description="openedAt + 48h for complaints (72h inquiries, 168h suggestions by "
        "default; configurable), UTC."
    )
    first_responded_at: datetime | None = strawberry.field(
        description="First answer to the member (UTC); null until then."
    )
    resolved_at: datetime | None = strawberry.field(
        description="When it was resolved (UTC); null until then."
    )
    resolution: str | None = strawberry.field(description="How it was resolved.")
    satisfaction_score: int | None = strawberry.field(
        description="The member's rating of the outcome, 1 (worst) to 5 (best), once rated."
    )

    @strawberry.field(description="Global ID of the case.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("ServiceCase", self.id))

    @strawberry.field(description="The member the case is for.")
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field(description="The supervisor it was escalated to; null if not escalated.")
    async def escalated_to(self, info: Info) -> StaffUser | None:
        if self.escalated_to_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.escalated_to_id)

    @strawberry.field(
        description="The staff user handling it: the first to respond or resolve, or the "
        "supervisor it was escalated to."
    )
    async def assignee(self, info: Info) -> StaffUser | None:
        if self.assignee_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.assignee_id)

    @strawberry.field(
        description="Past a due time without the matching response or resolution, as of now."
    )
    def overdue(self) -> bool:
        # self is the model row (model_type, schema/common.py).
        return is_overdue(self, utcnow())  # type: ignore[arg-type]

    @strawberry.field(
        description="The case's contacts, oldest first (the latest ones of a long case); "
        "internal notes only for roles that may read them."
    )
    async def communications(self, info: Info) -> list[Communication]:
        return await info.context.loaders.get(load_case_communications).load(
            (self.id, visibility(info.context))
        )


@strawberry.type
class MemberCommunicationsFields:
    """Member fields of communications and service cases, joined into Member (schema/members.py)."""

    @strawberry.field(description="The member's contacts, newest first.")
    async def communications(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        channel: Annotated[
            ContactChannel | None, strawberry.argument(description="Only this channel.")
        ] = None,
        category: Annotated[
            CommunicationCategory | None, strawberry.argument(description="Only this category.")
        ] = None,
    ) -> Connection[Communication] | None:
        return await keyed_connection(
            info,
            load_communication_pages,
            load_communication_counts,
            self.id,
            CommunicationFilter(visibility(info.context), channel, category),
            Window.of(first, after),
        )

    @strawberry.field(description="The member's service cases, newest first.")
    async def service_cases(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            CaseStatus | None, strawberry.argument(description="Only cases in this state.")
        ] = None,
    ) -> Connection[ServiceCase] | None:
        return await keyed_connection(
            info,
            load_case_pages,
            load_case_counts,
            self.id,
            CaseFilter(visibility(info.context, ("Member", "serviceCases")), status),
            Window.of(first, after),
        )


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(description="A contact to record.")
class LogCommunicationInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    channel: ContactChannel = strawberry.field(description="The medium.")
    direction: Direction = strawberry.field(description="Who started it.")
    category: CommunicationCategory = strawberry.field(description="What it is about.")
    subject: str | None = strawberry.field(
        default=None, description="Subject line, up to 256 characters."
    )
    content: str | None = strawberry.field(
        default=None, description="What was said or written (free text)."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it happened; default now; not in the future."
    )
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="The member's service case it belongs to, if any."
    )
    satisfaction_score: int | None = strawberry.field(default=None, description="1 to 5")


@strawberry.type(description="Result of logCommunication.")
class CommunicationPayload:
    communication: Communication | None = strawberry.field(
        default=None, description="The contact as recorded; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A message to send to many members.")
class SendCommunicationInput:
    member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Either explicit members or a filter."
    )
    filter: MemberFilter | None = strawberry.field(
        default=None, description="Every member it selects (as Query.members does)."
    )
    channel: ContactChannel = strawberry.field(description="The medium.")
    category: CommunicationCategory = strawberry.field(
        description="What it is about; MARKETING goes only to members who consented to the channel."
    )
    subject: str | None = strawberry.field(
        default=None, description="Subject line, up to 256 characters."
    )
    content: str = strawberry.field(description="The message (free text, not empty).")
    holdout: float = strawberry.field(
        default=0.0,
        description="Share of the recipients (after consent and termination skips), from 0 "
        "to 0.5, held out at random and sent nothing, to measure the send's effect against.",
    )


@strawberry.type(description="Result of sendCommunication.")
class SendCommunicationPayload:
    sent: int = strawberry.field(default=0, description="Members the message was queued for.")
    skipped_no_consent: int = strawberry.field(
        default=0,
        description="Members skipped for lack of consent to this channel (MARKETING) or for "
        "being TERMINATED.",
    )
    held_out: int = strawberry.field(
        default=0, description="Recipients held out: drawn at random and sent nothing."
    )
    send: Send | None = strawberry.field(
        default=None,
        description="The send as recorded, to read its effect later (Query.sends); null when "
        "nobody would receive it.",
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A service case to open.")
class OpenCaseInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    kind: CaseKind = strawberry.field(description="Inquiry, complaint or suggestion.")
    channel: ContactChannel = strawberry.field(description="Where the member raised it.")
    subject: str = strawberry.field(description="Short summary, up to 256 characters.")
    description: str = strawberry.field(
        description="The member's request in full (free text); recorded as its first contact."
    )
    opened_at: datetime | None = strawberry.field(
        default=None, description="When it was raised; default now; not in the future."
    )


@strawberry.input(description="A staff answer on a case: a response or the resolution.")
class CaseActionInput:
    id: strawberry.ID = strawberry.field(description="The case.")
    message: str = strawberry.field(description="What is said to the member (free text).")
    at: datetime | None = strawberry.field(
        default=None,
        description="When it happened; default now; not before the case opened nor in the future.",
    )


@strawberry.input(description="A case to hand to a supervisor.")
class EscalateCaseInput:
    id: strawberry.ID = strawberry.field(description="The case.")
    to_staff_id: strawberry.ID = strawberry.field(
        description="The active staff user who takes it over."
    )
    note: str = strawberry.field(description="Internal note for the supervisor (free text).")


@strawberry.input(description="The member's rating of a resolved case.")
class RateCaseInput:
    id: strawberry.ID = strawberry.field(description="The case, RESOLVED or CLOSED.")
    score: int = strawberry.field(description="1 to 5")
    comment: str | None = strawberry.field(
        default=None, description="The member's comment (free text)."
    )


@strawberry.type(description="Result of a service case mutation.")
class CasePayload:
    case: ServiceCase | None = strawberry.field(
        default=None, description="The case after the change; null when refused."
    )
    errors: list[UserError] = errors_field()
