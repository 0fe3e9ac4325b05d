"""Purchases, redemptions, adjustments and the expiry job; ledger rows by node(id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from auth.errors import Forbidden, denial
from models.points import PointsEntry as PointsEntryModel
from models.points import Purchase as PurchaseModel
from resolvers.errors import user_errors
from resolvers.nodes import node_fetcher
from schema.context import Info
from schema.ids import decode_id
from schema.jobs import JobReport
from schema.points import (
    AdjustPointsInput,
    PointsPayload,
    PurchasePayload,
    RecordPurchaseInput,
    RedeemPointsInput,
    RefundPurchaseInput,
)
from services import points as service
from services.clock import utcnow

MEMBER_FIELD = ("input", "memberId")


def _check_ledger_read(info: Info, field: str, row: Any) -> None:
    """The Member.<field> cell decides who reads a ledger row or purchase by its ID."""
    context = info.context
    cell = context.cell(("Member", field))
    if not cell.allowed:
        raise denial(context.actor.is_anonymous, f"Member.{field}")
    # Checked even when absent, so a member learns nothing about others' rows.
    if cell.kind == "self" and (row is None or row.owner_member_id != context.actor.member_id):
        raise Forbidden(f"Members may read their own {field} only.")


@node_fetcher("PointsEntry")
async def entry_node(info: Info, pk: int) -> PointsEntryModel | None:
    entry = await PointsEntryModel.get_or_none(id=pk)
    _check_ledger_read(info, "pointsLedger", entry)
    return entry


@node_fetcher("Purchase")
async def purchase_node(info: Info, pk: int) -> PurchaseModel | None:
    purchase = await PurchaseModel.get_or_none(id=pk)
    _check_ledger_read(info, "purchases", purchase)
    return purchase


@user_errors(PurchasePayload)
async def record_purchase(info: Info, input: RecordPurchaseInput) -> PurchasePayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_FIELD)
    info.context.audit.target_member(member_id)
    result = await service.record_purchase(
        member_id,
        input.order_ref,
        input.amount,
        utcnow(),
        occurred_at=input.occurred_at,
        channel=input.channel,
        created_by_id=info.context.actor.staff_id,
    )
    # The answer names the member's tier: the ladder the write just read serves it.
    info.context.loaders.tier_by_id.prime_many({tier.id: tier for tier in result.ladder})
    return PurchasePayload(
        purchase=result.purchase,  # type: ignore[arg-type]
        tier_change=result.tier_change,  # type: ignore[arg-type]
        member=result.member,  # type: ignore[arg-type]
    )


@user_errors(PurchasePayload)
async def refund_purchase(info: Info, input: RefundPurchaseInput) -> PurchasePayload:
    result = await service.refund_purchase(
        input.order_ref,
        input.amount,
        utcnow(),
        reason=input.reason,
        created_by_id=info.context.actor.staff_id,
    )
    info.context.audit.target_member(result.member.id)
    return PurchasePayload(purchase=result.purchase, member=result.member)  # type: ignore[arg-type]


@user_errors(PointsPayload)
async def redeem_points(info: Info, input: RedeemPointsInput) -> PointsPayload:
    given = decode_id(input.member_id, "Member", MEMBER_FIELD) if input.member_id else None
    member_id = info.context.scope_member(given, MEMBER_FIELD)
    info.context.audit.target_member(member_id)
    result = await service.redeem_points(
        member_id,
        input.points,
        input.purpose,
        input.idempotency_key,
        utcnow(),
        reference=input.reference,
        created_by_id=info.context.actor.staff_id,
    )
    return PointsPayload(
        entry=result.entry,  # type: ignore[arg-type]
        member=result.member,  # type: ignore[arg-type]
        cash_value=result.cash_value,
    )


@user_errors(PointsPayload)
async def adjust_points(info: Info, input: AdjustPointsInput) -> PointsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_FIELD)
    info.context.audit.target_member(member_id)
    result = await service.adjust_points(
        member_id,
        input.points,
        input.reason,
        input.idempotency_key,
        utcnow(),
        created_by_id=info.context.actor.staff_id,
    )
    return PointsPayload(entry=result.entry, member=result.member)  # type: ignore[arg-type]


async def run_points_expiry(info: Info, as_of: datetime | None = None) -> JobReport:
    return JobReport.of(await service.run_points_expiry(as_of or utcnow()))


@strawberry.type
class PointsQuery:
    """Root query fields of points (joined in schema/root.py); ledgers are read through Member."""


@strawberry.type
class PointsMutation:
    """Root mutation fields of points (joined in schema/root.py)."""

    record_purchase: PurchasePayload = strawberry.mutation(resolver=record_purchase)
    refund_purchase: PurchasePayload = strawberry.mutation(resolver=refund_purchase)
    redeem_points: PointsPayload = strawberry.mutation(resolver=redeem_points)
    adjust_points: PointsPayload = strawberry.mutation(resolver=adjust_points)
    run_points_expiry: JobReport = strawberry.mutation(resolver=run_points_expiry)
