"""Root fields of points: purchases, refunds, redemptions, adjustments and the expiry job."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.ids import decode_id
from schema.context import Info
from schema.jobs import AsOf, JobReport
from schema.points import (
    AdjustPointsInput,
    PointsPayload,
    PurchasePayload,
    RecordPurchaseInput,
    RedeemPointsInput,
    RefundPurchaseInput,
)
from schema.user_errors import mutation, user_errors
from services import points as service
from services.clock import utcnow
from services.errors import Duplicate, InsufficientPoints, Invalid, InvalidState, NotFound

MEMBER_FIELD = ("input", "memberId")


@user_errors(PurchasePayload)
async def record_purchase(
    info: Info,
    input: Annotated[RecordPurchaseInput, strawberry.argument(description="The purchase.")],
) -> PurchasePayload:
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
async def refund_purchase(
    info: Info,
    input: Annotated[RefundPurchaseInput, strawberry.argument(description="The refund.")],
) -> PurchasePayload:
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
async def redeem_points(
    info: Info,
    input: Annotated[RedeemPointsInput, strawberry.argument(description="The redemption.")],
) -> PointsPayload:
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
async def adjust_points(
    info: Info,
    input: Annotated[AdjustPointsInput, strawberry.argument(description="The correction.")],
) -> PointsPayload:
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


async def run_points_expiry(info: Info, as_of: AsOf = None) -> JobReport:
    return await JobReport.of_run(service.run_points_expiry(as_of or utcnow()))


async def run_points_expiry_notice(info: Info, as_of: AsOf = None) -> JobReport:
    return await JobReport.of_run(service.run_points_expiry_notice(as_of or utcnow()))


@strawberry.type
class PointsQuery:
    """Root query fields of points (joined in schema/root.py); ledgers are read through Member."""


@strawberry.type
class PointsMutation:
    """Root mutation fields of points (joined in schema/root.py)."""

    record_purchase: PurchasePayload = mutation(
        record_purchase,
        "Record a purchase and credit its points (EARN): floor(amount x 1 point per currency "
        "unit x the tier's multiplier held before it x 2 on the member's birthday in the "
        "business time zone). Promotes the member at once when the qualification window now "
        "meets a higher tier (tierChange). Recording an orderRef again returns the first "
        "result and posts nothing; another member's orderRef is DUPLICATE. A SUSPENDED or "
        "TERMINATED member is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState, Duplicate),
    )
    refund_purchase: PurchasePayload = mutation(
        refund_purchase,
        "Refund part or all of a purchase and take back its points in proportion "
        "(REVERSAL): floor(pointsEarned x refunded so far / amount) less what earlier refunds "
        "took, never below a 0 balance (the shortfall is noted on the entry).",
        errors=(Invalid, NotFound),
    )
    redeem_points: PointsPayload = mutation(
        redeem_points,
        "Spend a member's points (a REDEEM entry; members: their own). Never below 0 "
        "(INSUFFICIENT_POINTS). CASH_OFFSET returns cashValue = points / "
        "MEMBERHUB_POINTS_PER_CASH_UNIT (default 100) currency units. Repeating the "
        "idempotencyKey returns the first result. A SUSPENDED or TERMINATED member is "
        "INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState, InsufficientPoints, Duplicate),
    )
    adjust_points: PointsPayload = mutation(
        adjust_points,
        "Credit (positive points) or debit (negative) a member's points by hand: an ADJUST "
        "entry with the reason. A debit may not take the balance below 0 "
        "(INSUFFICIENT_POINTS). Repeating the idempotencyKey returns the first result.",
        errors=(Invalid, NotFound, InvalidState, InsufficientPoints, Duplicate),
    )
    run_points_expiry: JobReport = strawberry.mutation(
        resolver=run_points_expiry,
        description="Expire the unconsumed points of every purchase past its expiry at asOf "
        "(the end of the month MEMBERHUB_POINTS_EXPIRY_MONTHS, default 24, after the "
        "purchase, in the business time zone): one EXPIRE entry per member. Running it again "
        "for the same asOf posts nothing. Also `memberhub run-job points-expiry` (daily).",
    )
    run_points_expiry_notice: JobReport = strawberry.mutation(
        resolver=run_points_expiry_notice,
        description="Notify every member whose points expire within "
        "MEMBERHUB_POINTS_EXPIRY_NOTICE_DAYS (default 30) after asOf: one NOTIFICATION per "
        "member and calendar month (business time zone) naming the points and the date, by "
        "EMAIL or else SMS. Running it again in the same month sends nothing new. Also "
        "`memberhub run-job points-expiry-notice` (daily).",
    )
