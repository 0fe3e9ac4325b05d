"""Batched reads whose SQL is rendered once per shape and reused with other ids.

Tortoise renders a query's SQL afresh on every call; for the small batched reads of a
request (a page of ledger rows, a few tags by member) rendering costs more than the
database does. A shape is a query built around placeholder ids: its SQL, its other
parameters and the positions of the ids among them are kept, and a later read of the
same shape only puts its own ids in those positions.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import AwaitableQuery

from shortcuts.rows import select

M = TypeVar("M", bound=Model)

# Ids no table holds: they mark where a shape's ids go among its parameters.
_PLACEHOLDER_ID = -7_919_000_000_000
_KEPT = 1024


@dataclass(frozen=True)
class Shape:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]

    def values(self, ids: Sequence[int]) -> list[Any]:
        values = list(self.params)
        for slot, id_ in zip(self.slots, ids, strict=True):
            values[slot] = id_
        return values


_shapes: dict[Hashable, Shape] = {}


def shape_of(
    db: BaseDBAsyncClient,
    key: Hashable,
    count: int,
    build: Callable[[list[int]], AwaitableQuery[Any]],
) -> Shape:
    """The shape `build` gives for `count` ids on `db`; `key` names what else decides it."""
    dialect = db.capabilities.dialect
    found = _shapes.get((key, count, dialect))
    if found is None:
        ids = [_PLACEHOLDER_ID - i for i in range(count)]
        query = build(ids)
        query.sql()  # renders query.query
        sql, params = query.query.get_parameterized_sql()
        found = Shape(sql, tuple(params), tuple(params.index(id_) for id_ in ids))
        if len(_shapes) >= _KEPT:
            del _shapes[next(iter(_shapes))]
        _shapes[(key, count, dialect)] = found
    return found


async def fetch(db: BaseDBAsyncClient, shape: Shape, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The rows of `shape` for `ids` (as many as the shape was built for), as dicts."""
    return await db.execute_query_dict(shape.sql, shape.values(ids))


async def rows_in(
    model: type[M],
    column: str,
    keys: Sequence[Any] | set[Any],
    order: tuple[str, ...] = (),
    using_db: BaseDBAsyncClient | None = None,
    only: tuple[str, ...] = (),
) -> list[M]:
    """`model.filter(<column>__in=keys).order_by(*order)`, rendered once per key count;
    partial models of the fields `only` names, when it names any."""
    ids = sorted(set(keys))
    if not ids:
        return []
    db = using_db or model._meta.db  # the connection (or transaction) in use: looked up once

    def build(placeholders: list[int]) -> Any:
        query = model.filter(**{f"{column}__in": placeholders}).order_by(*order)
        return query.only(*only) if only else query

    shape = shape_of(db, (model, column, order, only), len(ids), build)
    return await select(model, db, shape.sql, shape.values(ids))
