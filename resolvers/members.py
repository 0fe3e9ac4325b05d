"""Members for the caller: by ID as their cells allow, and what the caller may search and
order members by."""

from __future__ import annotations

from collections.abc import Sequence

from auth.errors import Forbidden, denial
from auth.ownership import check_ownership
from auth.policy import SELF
from models.enums import LifecycleStage, MemberOrderField
from models.member import Member as MemberModel
from models.member import MembershipApplication as MembershipApplicationModel
from models.member import ProfileChangeRequest as ProfileChangeRequestModel
from resolvers.context import Context
from services.clock import utcnow
from services.members.search import RANKED_BY, SEARCHABLE
from services.members.stages import stages_of


def check_member_access(context: Context, found: MemberModel | None) -> None:
    """Query.member's cell decides; a member may only reach themselves. Checked even when
    absent, so a member learns nothing about others' IDs and numbers."""
    check_ownership(
        context.actor,
        context.cell(("Query", "member")),
        found,
        what="members",
        not_yours="Members may read their own record only.",
        refuse_missing=True,
    )


async def member_node(context: Context, pk: int) -> MemberModel | None:
    found = await context.loaders.member_by_id.load(pk)
    check_member_access(context, found)
    return found


def searchable_fields(context: Context) -> list[str]:
    """Search matches only fields the caller reads in clear: matching a masked phone would
    let its hidden digits be guessed one search at a time."""
    return [name for name in SEARCHABLE if context.cell(("Member", name)).kind == "full"]


def check_order(context: Context, order: MemberOrderField) -> None:
    """Members are ordered only by a field the caller reads in clear: ranking them by a
    balance the role may not read would tell it who holds the most."""
    field = RANKED_BY[order]
    if context.cell(("Member", field)).kind != "full":
        raise Forbidden(f"Your role may not order members by {field}.")


async def application_node(context: Context, pk: int) -> MembershipApplicationModel | None:
    if not context.cell(("Query", "membershipApplications")).allowed:
        raise denial(context.actor.is_anonymous, "membership applications")
    return await MembershipApplicationModel.get_or_none(id=pk)


async def change_request_node(context: Context, pk: int) -> ProfileChangeRequestModel | None:
    """Reviewers read any request; a member reads their own."""
    # Members may not list requests (Query.profileChangeRequests), but read theirs by ID.
    cell = SELF if context.actor.is_member else context.cell(("Query", "profileChangeRequests"))
    request = await ProfileChangeRequestModel.get_or_none(id=pk)
    check_ownership(
        context.actor,
        cell,
        request,
        what="profile change requests",
        not_yours="Members may read their own requests only.",
        refuse_missing=True,
    )
    return request


async def stages_by_member_id(keys: Sequence[int]) -> list[LifecycleStage]:
    """The lifecycle stage of each member now: a page reads them in one statement."""
    stages = await stages_of(keys, utcnow())
    return [stages[key] for key in keys]
