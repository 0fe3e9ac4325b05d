"""`node(id)`: every domain registers how to fetch its type for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from auth.errors import BadUserInput
from resolvers.ids import from_global_id
from schema.context import Info
from services.errors import Invalid

# type name -> fetch(info, pk) returning the row, or None when absent or not the caller's.
NODE_FETCHERS: dict[str, Callable[[Info, int], Awaitable[Any]]] = {}


def node_fetcher(type_name: str) -> Callable[[Callable[[Info, int], Awaitable[Any]]], Any]:
    def register(fetch: Callable[[Info, int], Awaitable[Any]]) -> Any:
        NODE_FETCHERS[type_name] = fetch
        return fetch

    return register


async def node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any record.")],
) -> Any:
    try:
        type_name, pk = from_global_id(id)
    except Invalid as error:
        raise BadUserInput(error.message) from None
    fetch = NODE_FETCHERS.get(type_name)
    if fetch is None or not pk.isdigit():
        raise BadUserInput(f"{id!r} is not an ID of this API.")
    return await fetch(info, int(pk))
