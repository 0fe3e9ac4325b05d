"""A parent's connection served from keyed pages (services/keyed_pages.py): its page and,
when asked, its totalCount, each batched with every other parent's in the request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, TypeVar

from tortoise.models import Model

from schema.pagination import Connection, Window, connection_for
from services.keyed_pages import CountKey, PageKey

if TYPE_CHECKING:
    from schema.context import Info

M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=Hashable)


async def keyed_connection(
    info: Info,
    pages: Callable[[Sequence[PageKey[F]]], Awaitable[Sequence[list[M]]]],
    counts: Callable[[Sequence[CountKey[F]]], Awaitable[Sequence[int]]],
    parent_id: int,
    filter_: F,
    window: Window,
) -> Connection[M]:
    """A parent's connection through the request's loaders, from a page batch function and
    its count twin; totalCount is loaded only when asked."""
    loaders = info.context.loaders
    rows = await loaders.get(pages).load((parent_id, filter_, window))

    async def total() -> int:
        return await loaders.get(counts).load((parent_id, filter_))

    return await connection_for(info, rows, window, total)
