"""Pages of many parents at once: one statement per batch, whatever the page size.

A list of members each showing `communications(first: 20)` must not run a query per
member (DESIGN §6). ROW_NUMBER() numbers each parent's rows in page order, so one
statement returns every parent's page; one GROUP BY answers every totalCount. A batch of
one parent (a member's own screen) is a plain ORDER BY and LIMIT instead: it walks the
parent's index and stops at the page's end, where ROW_NUMBER() numbers every row the
parent has before any is left out (a 71-entry ledger's first page: 120 -> 30 us).
Loader keys are `(parent_id, filter, window)` for pages and `(parent_id, filter)` for
counts, where `filter` is any hashable value `rows_for` turns into a queryset; a
statement's SQL is rendered once per (rows_for, filter, number of parents) shape.
schema/keyed_pages.py serves them as connections.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

from tortoise.expressions import RawSQL
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from shortcuts.rows import select
from shortcuts.shapes import fetch, shape_of


class Slice(Hashable, Protocol):
    """The rows a page asks for: from `offset`, up to `limit` (schema.pagination.Window)."""

    @property
    def offset(self) -> int: ...

    @property
    def limit(self) -> int: ...


M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=Hashable)
PageKey = tuple[int, F, Slice]
CountKey = tuple[int, F]


def _order_sql(ordering: Sequence[str]) -> str:
    """`("-occurred_at", "-id")` as SQL; names come from code, never from callers."""
    return ", ".join(
        f'"{name.lstrip("-")}" {"DESC" if name.startswith("-") else "ASC"}' for name in ordering
    )


_MODELS: dict[Callable[[Any], QuerySet[Any]], type[Model]] = {}


def _model_of(rows_for: Callable[[F], QuerySet[M]], filter_: F) -> type[M]:
    """The model `rows_for` reads, whatever the filter: a queryset is built once for it,
    not per batch (about 5 us each)."""
    model = _MODELS.get(rows_for)
    if model is None:
        model = _MODELS[rows_for] = rows_for(filter_).model
    # _MODELS holds, for each rows_for, the model of its own queryset.
    return model  # type: ignore[return-value]


async def pages_by_parent(
    rows_for: Callable[[F], QuerySet[M]],
    filter_: F,
    parent: str,
    ordering: Sequence[str],
    parent_ids: Sequence[int],
    window: Slice,
) -> dict[int, list[M]]:
    """Up to window.limit + 1 rows of each parent from window.offset, in `ordering`."""
    ids = sorted(set(parent_ids))
    model = _model_of(rows_for, filter_)
    db = model._meta.db
    if len(ids) == 1:
        rows = shape_of(
            db,
            ("page", rows_for, filter_, parent),
            1,
            lambda placeholders: rows_for(filter_).filter(**{f"{parent}__in": placeholders}),
        )
        # The bounds are ints.
        sql = (
            f"SELECT * FROM ({rows.sql}) parent_rows ORDER BY {_order_sql(ordering)} "
            f"LIMIT {int(window.limit + 1)} OFFSET {int(window.offset)}"
        )
        return {ids[0]: await select(model, db, sql, rows.values(ids))}
    rank = RawSQL(f'ROW_NUMBER() OVER (PARTITION BY "{parent}" ORDER BY {_order_sql(ordering)})')
    ranked = shape_of(
        db,
        ("pages", rows_for, filter_, parent, tuple(ordering)),
        len(ids),
        lambda placeholders: (
            rows_for(filter_).filter(**{f"{parent}__in": placeholders}).annotate(page_rank=rank)
        ),
    )
    # The bounds are ints.
    sql = (
        f"SELECT * FROM ({ranked.sql}) ranked "
        f"WHERE page_rank > {int(window.offset)} "
        f"AND page_rank <= {int(window.offset + window.limit + 1)} "
        f'ORDER BY "{parent}", page_rank'
    )
    pages: dict[int, list[M]] = {parent_id: [] for parent_id in parent_ids}
    for found in await select(model, db, sql, ranked.values(ids)):
        pages[getattr(found, parent)].append(found)
    return pages


async def load_pages(
    keys: Sequence[PageKey[F]],
    rows_for: Callable[[F], QuerySet[M]],
    parent: str,
    ordering: Sequence[str],
) -> list[list[M]]:
    """A DataLoader batch: one statement per distinct (filter, window) among the keys."""
    groups: dict[tuple[F, Slice], list[int]] = {}
    for parent_id, filter_, window in keys:
        groups.setdefault((filter_, window), []).append(parent_id)
    found: dict[PageKey[F], list[M]] = {}
    for (filter_, window), parent_ids in groups.items():
        pages = await pages_by_parent(rows_for, filter_, parent, ordering, parent_ids, window)
        for parent_id in parent_ids:
            found[(parent_id, filter_, window)] = pages[parent_id]
    return [found[key] for key in keys]


async def counts_by_parent(
    rows_for: Callable[[F], QuerySet[Any]], filter_: F, parent: str, parent_ids: Sequence[int]
) -> dict[int, int]:
    """Each parent's number of rows (parents without rows left out)."""
    ids = sorted(set(parent_ids))
    model = _model_of(rows_for, filter_)
    db = model._meta.db
    counting = shape_of(
        db,
        ("counts", rows_for, filter_, parent),
        len(ids),
        lambda placeholders: (
            rows_for(filter_)
            .filter(**{f"{parent}__in": placeholders})
            .annotate(rows_count=Count("id"))
            .group_by(parent)
            .values(parent, "rows_count")
        ),
    )
    return {row[parent]: int(row["rows_count"]) for row in await fetch(db, counting, ids)}


async def load_counts(
    keys: Sequence[CountKey[F]], rows_for: Callable[[F], QuerySet[Any]], parent: str
) -> list[int]:
    """A DataLoader batch of totalCounts: one GROUP BY per distinct filter among the keys."""
    groups: dict[F, list[int]] = {}
    for parent_id, filter_ in keys:
        groups.setdefault(filter_, []).append(parent_id)
    found: dict[CountKey[F], int] = {}
    for filter_, parent_ids in groups.items():
        counted = await counts_by_parent(rows_for, filter_, parent, parent_ids)
        for parent_id in parent_ids:
            found[(parent_id, filter_)] = counted.get(parent_id, 0)
    return [found[key] for key in keys]
