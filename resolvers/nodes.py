"""Records by global ID: how each type is fetched for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from auth.errors import BadUserInput
from resolvers import benefits, communications, members, points, tags, tiers
from resolvers.context import Context
from resolvers.ids import from_global_id
from services.errors import Invalid

# type name -> fetch(context, pk): the row, or None when absent or not the caller's.
NODE_FETCHERS: dict[str, Callable[[Context, int], Awaitable[Any]]] = {
    "Member": members.member_node,
    "MembershipApplication": members.application_node,
    "ProfileChangeRequest": members.change_request_node,
    "Tier": tiers.tier_node,
    "PointsEntry": points.entry_node,
    "Purchase": points.purchase_node,
    "Benefit": benefits.benefit_node,
    "BenefitUsage": benefits.usage_node,
    "TagDefinition": tags.tag_node,
    "Communication": communications.communication_node,
    "ServiceCase": communications.service_case_node,
    "Send": communications.send_node,
}


async def fetch_node(context: Context, global_id: str) -> Any:
    """The record `global_id` names, as its type's fetcher gives it to the caller."""
    try:
        type_name, pk = from_global_id(global_id)
    except Invalid as error:
        raise BadUserInput(error.message) from None
    fetch = NODE_FETCHERS.get(type_name)
    if fetch is None or not pk.isdigit():
        raise BadUserInput(f"{global_id!r} is not an ID of this API.")
    return await fetch(context, int(pk))
