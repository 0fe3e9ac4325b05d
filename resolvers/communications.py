"""What the caller may see of communications and service cases, and those records by ID
(resolvers/nodes.py)."""

from __future__ import annotations

from typing import TypeVar

from tortoise.queryset import QuerySet

from auth.errors import denial
from auth.ownership import check_ownership
from models.communication import Communication as CommunicationModel
from models.communication import ServiceCase as ServiceCaseModel
from models.enums import OutreachKind
from models.outreach import Outreach
from resolvers.context import Context
from services.communications import listing
from services.communications.listing import CaseFilter, Visibility

# Policy scopes (auth/policy.py SCOPES) and the view each grants.
_VIEWS = {
    "MARKETING_ONLY": Visibility(marketing_only=True),
    "NO_INTERNAL": Visibility(internal_notes=False),
}


def visibility(context: Context, key: tuple[str, str] = ("Member", "communications")) -> Visibility:
    """What the caller may see of communications, from the scope of their policy cell."""
    scope = context.cell(key).scope
    return _VIEWS[scope] if scope else Visibility()


M = TypeVar("M", CommunicationModel, ServiceCaseModel)


async def _readable(context: Context, key: tuple[str, str], rows: QuerySet[M], pk: int) -> M | None:
    """The row `pk` of `rows` if the caller's cell for `key` admits it (members: their own)."""
    row = await rows.get_or_none(id=pk)
    check_ownership(
        context.actor,
        context.cell(key),
        row,
        what="communications and service cases",
        not_yours="Members may read their own communications and cases only.",
    )
    return row


async def communication_node(context: Context, pk: int) -> CommunicationModel | None:
    rows = listing.visible_communications(visibility(context))
    return await _readable(context, ("Member", "communications"), rows, pk)


async def service_case_node(context: Context, pk: int) -> ServiceCaseModel | None:
    key = ("Member", "serviceCases")
    rows = listing.service_cases(CaseFilter(visibility(context, key)))
    return await _readable(context, key, rows, pk)


async def send_node(context: Context, pk: int) -> Outreach | None:
    if not context.cell(("Query", "sends")).allowed:
        raise denial(context.actor.is_anonymous, "sends")
    return await Outreach.get_or_none(id=pk, kind=OutreachKind.SEND)


def marketing_only(context: Context, operation: str) -> bool:
    """Whether the caller's cell limits the mutation to MARKETING contacts."""
    return context.cell(("Mutation", operation)).scope == "MARKETING_ONLY"
