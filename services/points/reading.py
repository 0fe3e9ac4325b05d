"""Batch reads of ledgers and purchases for many members at once (the DataLoaders' queries).

A page of every member's list costs one ranking query and one fetch, whatever the
number of members, so a members list with ledgers stays at a constant statement count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from tortoise import connections
from tortoise.functions import Count
from tortoise.models import Model

from models.enums import PointsEntryKind
from models.points import PointsEntry, Purchase
from services.points.expiry import points_expiring_by


class PageKey(NamedTuple):
    """One member's slice: rows `offset` to `offset + limit` (exclusive) of their list."""

    member_id: int
    offset: int
    limit: int
    kind: PointsEntryKind | None = None


class _Listing(NamedTuple):
    model: type[Model]
    order: str  # SQL order of the list, newest first


_LEDGER = _Listing(PointsEntry, "id DESC")
_PURCHASES = _Listing(Purchase, "occurred_at DESC, id DESC")


async def ledger_pages(keys: Sequence[PageKey]) -> list[list[PointsEntry]]:
    """Each key's page of the member's ledger, newest entry first."""
    return await _pages(_LEDGER, keys)


async def purchase_pages(keys: Sequence[PageKey]) -> list[list[Purchase]]:
    """Each key's page of the member's purchases, latest occurredAt first."""
    return await _pages(_PURCHASES, keys)


async def ledger_counts(keys: Sequence[tuple[int, PointsEntryKind | None]]) -> list[int]:
    """Each (member, kind or None) key's number of ledger entries."""
    by_kind: dict[PointsEntryKind | None, list[int]] = defaultdict(list)
    for member_id, kind in keys:
        by_kind[kind].append(member_id)
    counts: dict[tuple[int, PointsEntryKind | None], int] = {}
    for kind, member_ids in by_kind.items():
        query = PointsEntry.filter(member_id__in=member_ids)
        if kind is not None:
            query = query.filter(kind=kind)
        for member_id, total in await _count_by_member(query):
            counts[(member_id, kind)] = total
    return [counts.get(key, 0) for key in keys]


async def purchase_counts(member_ids: Sequence[int]) -> list[int]:
    counts = dict(await _count_by_member(Purchase.filter(member_id__in=list(member_ids))))
    return [counts.get(member_id, 0) for member_id in member_ids]


async def expiring_points(keys: Sequence[tuple[int, date]]) -> list[int]:
    """Each (member, business day) key's points expiring on or before that day."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for member_id, day in keys:
        by_day[day].append(member_id)
    found: dict[tuple[int, date], int] = {}
    for day, member_ids in by_day.items():
        expiring = await points_expiring_by(member_ids, day)
        for member_id, points in zip(member_ids, expiring, strict=True):
            found[(member_id, day)] = points
    return [found[key] for key in keys]


async def _count_by_member(query: Any) -> list[tuple[int, int]]:
    rows = (
        await query.annotate(total=Count("id"))
        .group_by("member_id")
        .values_list("member_id", "total")
    )
    return [(int(member_id), int(total)) for member_id, total in rows]


async def _pages(listing: _Listing, keys: Sequence[PageKey]) -> list[list[Any]]:
    slices: dict[tuple[PointsEntryKind | None, int, int], list[int]] = defaultdict(list)
    for key in keys:
        slices[(key.kind, key.offset, key.limit)].append(key.member_id)
    pages: dict[PageKey, list[int]] = defaultdict(list)
    for (kind, offset, limit), member_ids in slices.items():
        for member_id, row_id in await _ranked_ids(listing, member_ids, kind, offset, limit):
            pages[PageKey(member_id, offset, limit, kind)].append(row_id)
    wanted = [row_id for page in pages.values() for row_id in page]
    rows = {row.id: row for row in await listing.model.filter(id__in=wanted)} if wanted else {}
    return [[rows[row_id] for row_id in pages.get(key, [])] for key in keys]


async def _ranked_ids(
    listing: _Listing,
    member_ids: list[int],
    kind: PointsEntryKind | None,
    offset: int,
    limit: int,
) -> list[tuple[int, int]]:
    """(member, row id) of each member's rows in the window, in list order."""
    # Only integers and a closed enum's value are spliced in, so no parameters are needed
    # (and the SQL stays the same on SQLite and PostgreSQL).
    table = listing.model._meta.db_table
    members = ", ".join(str(int(member_id)) for member_id in set(member_ids))
    of_kind = f" AND kind = '{PointsEntryKind(kind).value}'" if kind is not None else ""
    sql = (
        f"SELECT member_id, id FROM (SELECT member_id, id, ROW_NUMBER() OVER "
        f"(PARTITION BY member_id ORDER BY {listing.order}) AS position "
        f"FROM {table} WHERE member_id IN ({members}){of_kind}) ranked "
        f"WHERE position > {int(offset)} AND position <= {int(offset) + int(limit)} "
        f"ORDER BY member_id, position"
    )
    rows = await connections.get("default").execute_query_dict(sql)
    return [(int(row["member_id"]), int(row["id"])) for row in rows]
