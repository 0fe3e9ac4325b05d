"""Records by global ID: every domain registers how to fetch its type for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from auth.errors import BadUserInput
from resolvers.context import Context
from resolvers.ids import from_global_id
from services.errors import Invalid

# type name -> fetch(context, pk) returning the row, or None when absent or not the caller's.
NodeFetcher = Callable[[Context, int], Awaitable[Any]]
NODE_FETCHERS: dict[str, NodeFetcher] = {}


def node_fetcher(type_name: str) -> Callable[[NodeFetcher], NodeFetcher]:
    def register(fetch: NodeFetcher) -> NodeFetcher:
        NODE_FETCHERS[type_name] = fetch
        return fetch

    return register


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
