"""Ledger rows and purchases by ID (resolvers/nodes.py), for whom Member's ledger fields admit."""

from __future__ import annotations

from typing import Any

from auth.ownership import check_ownership
from models.points import PointsEntry as PointsEntryModel
from models.points import Purchase as PurchaseModel
from resolvers.context import Context


def _check_ledger_read(context: Context, field: str, row: Any) -> None:
    """The Member.<field> cell decides who reads a ledger row or purchase by its ID."""
    check_ownership(
        context.actor,
        context.cell(("Member", field)),
        row,
        what=f"Member.{field}",
        not_yours=f"Members may read their own {field} only.",
        # Checked even when absent, so a member learns nothing about others' rows.
        refuse_missing=True,
    )


async def entry_node(context: Context, pk: int) -> PointsEntryModel | None:
    entry = await PointsEntryModel.get_or_none(id=pk)
    _check_ledger_read(context, "pointsLedger", entry)
    return entry


async def purchase_node(context: Context, pk: int) -> PurchaseModel | None:
    purchase = await PurchaseModel.get_or_none(id=pk)
    _check_ledger_read(context, "purchases", purchase)
    return purchase
