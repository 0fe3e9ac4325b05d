"""Relay connections: one generic type pair and one pagination helper for every list."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import Undefined
from tortoise.models import Model
from tortoise.queryset import QuerySet

from auth.errors import BadUserInput
from core.settings import get_settings
from schema.common import PageInfo
from schema.context import Info
from services.errors import Invalid
from shortcuts import AT_HAND, CountKey, PageKey, fetch_all, narrowed, prefetch_selected

T = TypeVar("T")
M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=Hashable)
DEFAULT_PAGE_SIZE = 20
# Further than any list reaches, and well inside the 64-bit OFFSET of SQLite and
# PostgreSQL, which a larger one overflowed (an unexpected error, not the caller's).
MAX_OFFSET = 10**9
_CURSOR = re.compile(r"cursor:([0-9]{1,10})")


# The arguments of every paginated list.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size: how many items to return, 0 to the configured maximum "
        f"(MEMBERHUB_MAX_PAGE_SIZE, default 100); default {DEFAULT_PAGE_SIZE}."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (pageInfo.endCursor of the previous "
        "page); omit for the first page."
    ),
]


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    # Made when asked for: a member screen's ledger page asks for none of its 20.
    cursor: str = strawberry.field(
        resolver=lambda self: encode_cursor(self.offset),
        description="Opaque position of this item; pass as `after` to continue behind it.",
    )
    node: T = strawberry.field(description="The item.")
    offset: strawberry.Private[int]


def _edges_at_hand(connection: Connection[Any], _context: Any) -> Any:
    """The edges when the resolver that made the connection loaded their nodes' relations
    ahead (`connection_for`), so they complete in place; else Undefined."""
    return connection._edges if connection._loaded else Undefined


@strawberry.type(description="One page of a list, in the list's order (Relay cursor connection).")
class Connection(Generic[T]):
    page_info: PageInfo = strawberry.field(description="Where this page lies in the list.")
    _edges: strawberry.Private[list[Edge[T]]]
    _total: strawberry.Private[Callable[[], Awaitable[int]]]
    _loaded: strawberry.Private[bool] = False

    @strawberry.field(metadata={AT_HAND: _edges_at_hand}, description="The items of this page.")
    async def edges(self, info: Info) -> list[Edge[T]]:
        await prefetch_selected(info, [edge.node for edge in self._edges], "node")
        return self._edges

    @strawberry.field(description="Number of items in the whole list, all pages together.")
    async def total_count(self) -> int:
        return await self._total()


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset just after `cursor` (0 without one). Raises Invalid (at `after`) for
    anything `encode_cursor` did not make, or an offset past MAX_OFFSET."""
    if cursor is None:
        return 0
    try:
        text = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    found = _CURSOR.fullmatch(text)
    if found is None or int(found[1]) >= MAX_OFFSET:
        raise Invalid("That is not a cursor of this list.", ("after",))
    return int(found[1]) + 1


@dataclass(frozen=True)
class Window:
    """The slice a (first, after) pair asks for, validated against the page-size limit."""

    offset: int
    limit: int

    @classmethod
    def of(cls, first: int | None, after: str | None) -> Window:
        maximum = get_settings().max_page_size
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0 or size > maximum:
            raise BadUserInput(f"first must be between 0 and {maximum}.")
        return cls(offset=decode_cursor(after), limit=size)


def connection(
    rows: Sequence[Any], window: Window, total: Callable[[], Awaitable[int]]
) -> Connection[Any]:
    """A connection from up to limit+1 rows fetched at window.offset; `total` counts the
    list only when the rows do not tell its length."""
    page = list(rows[: window.limit])
    if len(rows) <= window.limit and (rows or window.offset == 0):
        # The list ends within this page: its length is known without a COUNT.
        total = constant(window.offset + len(rows))
    edges = [Edge(node=row, offset=window.offset + i) for i, row in enumerate(page)]
    return Connection(
        _edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > window.limit,
            has_previous_page=window.offset > 0,
            start_cursor=encode_cursor(edges[0].offset) if edges else None,
            end_cursor=encode_cursor(edges[-1].offset) if edges else None,
        ),
        _total=total,
    )


async def connection_for(
    info: Info, rows: Sequence[Any], window: Window, total: Callable[[], Awaitable[int]]
) -> Connection[Any]:
    """`connection`, with the relations the field's nodes select loaded ahead: its edges
    then complete in place, where the `edges` resolver and graphql-core's list
    completion cost a member screen's ledger page about as much as its statement."""
    made = connection(rows, window, total)
    await prefetch_selected(info, [edge.node for edge in made._edges], "edges", "node")
    made._loaded = True
    return made


async def page_in_hand(info: Info, rows: Sequence[Any], window: Window) -> Connection[Any]:
    """The connection of `window` over every row of the list, already read in order."""
    start = window.offset
    return await connection_for(
        info, rows[start : start + window.limit + 1], window, constant(len(rows))
    )


def constant(value: int) -> Callable[[], Awaitable[int]]:
    async def total() -> int:
        return value

    return total


async def paginate(
    queryset: QuerySet[Any],
    first: int | None,
    after: str | None,
    info: Info | None = None,
    count: Callable[[], Awaitable[int]] | None = None,
) -> Connection[Any]:
    """One page query; the COUNT (`count`, else the queryset's) runs only if totalCount is
    asked for. Given the field's `info`, the page reads only the columns its nodes'
    selection needs, for rows whose guards need no column but the key (a member's owner
    is the member), and the relations they select are loaded ahead (`connection_for`)."""
    window = Window.of(first, after)
    page = queryset.offset(window.offset).limit(window.limit + 1)
    if info is not None:
        page = narrowed(info, page, "edges", "node")
    rows = await fetch_all(page)

    async def total() -> int:
        return await (count or queryset.count)()

    if info is None:
        return connection(rows, window, total)
    return await connection_for(info, rows, window, total)


async def keyed_connection(
    info: Info,
    pages: Callable[[Sequence[PageKey[F]]], Awaitable[Sequence[list[M]]]],
    counts: Callable[[Sequence[CountKey[F]]], Awaitable[Sequence[int]]],
    parent_id: int,
    filter_: F,
    window: Window,
) -> Connection[M]:
    """A parent's connection served from keyed pages (shortcuts/keyed_pages.py): its page
    through the request's loaders, batched with every other parent's, from a page batch
    function and its count twin; totalCount is loaded only when asked."""
    loaders = info.context.loaders
    rows = await loaders.get(pages).load((parent_id, filter_, window))

    async def total() -> int:
        return await loaders.get(counts).load((parent_id, filter_))

    return await connection_for(info, rows, window, total)
