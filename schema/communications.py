"""Types of communications and service cases, and the Member fields that list them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.communication import Communication as CommunicationModel
from models.communication import ServiceCase as ServiceCaseModel
from resolvers.loaders import by_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import CaseKind, CaseStatus, CommunicationCategory, ContactChannel, Direction
from schema.ids import to_global_id
from schema.keyed_pages import (
    CountKey,
    PageKey,
    keyed_connection,
    load_counts,
    load_pages,
    pages_by_parent,
)
from schema.member_filter import MemberFilter
from schema.pagination import After, Connection, First, Window
from schema.staff import StaffUser
from services import limits
from services.cases import is_overdue
from services.clock import utcnow
from services.communications import listing
from services.communications.listing import CaseFilter, CommunicationFilter, Visibility

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]

# Policy scopes (auth/policy.py SCOPES) and the view each grants.
_VIEWS = {
    "MARKETING_ONLY": Visibility(marketing_only=True),
    "NO_INTERNAL": Visibility(internal_notes=False),
}


def visibility(info: Info, key: tuple[str, str] = ("Member", "communications")) -> Visibility:
    """What the caller may see of communications, from the scope of their policy cell."""
    scope = info.context.cell(key).scope
    return _VIEWS[scope] if scope else Visibility()


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


@model_type(CommunicationModel)
class Communication(Node):
    channel: ContactChannel
    direction: Direction
    category: CommunicationCategory
    subject: str | None
    content: str | None
    occurred_at: datetime
    satisfaction_score: int | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Communication", self.id))

    @strawberry.field
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field
    async def staff(self, info: Info) -> StaffUser | None:
        if self.staff_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.staff_id)

    @strawberry.field
    async def case(self, info: Info) -> ServiceCase | None:
        if self.case_id is None or not visibility(info).cases:
            return None
        return await info.context.loaders.get(load_case_by_id).load(self.case_id)


@model_type(ServiceCaseModel)
class ServiceCase(Node):
    kind: CaseKind
    channel: ContactChannel
    subject: str
    status: CaseStatus
    opened_at: datetime
    response_due_at: datetime = strawberry.field(description="openedAt + 24h")
    resolution_due_at: datetime = strawberry.field(
        description="openedAt + 48h for complaints; configurable"
    )
    first_responded_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    satisfaction_score: int | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("ServiceCase", self.id))

    @strawberry.field
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field
    async def escalated_to(self, info: Info) -> StaffUser | None:
        if self.escalated_to_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.escalated_to_id)

    @strawberry.field
    async def assignee(self, info: Info) -> StaffUser | None:
        if self.assignee_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.assignee_id)

    @strawberry.field(
        description="Past a due time without the matching response or resolution, as of now."
    )
    def overdue(self) -> bool:
        return is_overdue(self, utcnow())

    @strawberry.field
    async def communications(self, info: Info) -> list[Communication]:
        return await info.context.loaders.get(load_case_communications).load(
            (self.id, visibility(info))
        )


@strawberry.type
class MemberCommunicationsFields:
    """Member fields of communications and service cases, joined into Member (schema/members.py)."""

    @strawberry.field
    async def communications(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        channel: ContactChannel | None = None,
        category: CommunicationCategory | None = None,
    ) -> Connection[Communication] | None:
        return await keyed_connection(
            info,
            load_communication_pages,
            load_communication_counts,
            self.id,
            CommunicationFilter(visibility(info), channel, category),
            Window.of(first, after),
        )

    @strawberry.field
    async def service_cases(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: CaseStatus | None = None,
    ) -> Connection[ServiceCase] | None:
        return await keyed_connection(
            info,
            load_case_pages,
            load_case_counts,
            self.id,
            CaseFilter(visibility(info, ("Member", "serviceCases")), status),
            Window.of(first, after),
        )


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class LogCommunicationInput:
    member_id: strawberry.ID
    channel: ContactChannel
    direction: Direction
    category: CommunicationCategory
    subject: str | None = None
    content: str | None = None
    occurred_at: datetime | None = None
    case_id: strawberry.ID | None = None
    satisfaction_score: int | None = strawberry.field(default=None, description="1 to 5")


@strawberry.type
class CommunicationPayload:
    communication: Communication | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class SendCommunicationInput:
    member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Either explicit members or a filter."
    )
    filter: MemberFilter | None = None
    channel: ContactChannel
    category: CommunicationCategory
    subject: str | None = None
    content: str


@strawberry.type
class SendCommunicationPayload:
    sent: int = 0
    skipped_no_consent: int = strawberry.field(
        default=0,
        description="Members skipped for lack of consent to this channel (MARKETING) or for "
        "being TERMINATED.",
    )
    errors: list[UserError] = errors_field()


@strawberry.input
class OpenCaseInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    kind: CaseKind
    channel: ContactChannel
    subject: str
    description: str
    opened_at: datetime | None = None


@strawberry.input
class CaseActionInput:
    id: strawberry.ID
    message: str
    at: datetime | None = None


@strawberry.input
class EscalateCaseInput:
    id: strawberry.ID
    to_staff_id: strawberry.ID
    note: str


@strawberry.input
class RateCaseInput:
    id: strawberry.ID
    score: int = strawberry.field(description="1 to 5")
    comment: str | None = None


@strawberry.type
class CasePayload:
    case: ServiceCase | None = None
    errors: list[UserError] = errors_field()
