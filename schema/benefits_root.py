"""Root fields of benefits: the catalogue, using a benefit and revoking a use."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from resolvers.ids import decode_id
from schema.benefits import (
    Benefit,
    BenefitInput,
    BenefitPayload,
    BenefitUsagePayload,
    RevokeBenefitUsageInput,
    UseBenefitInput,
)
from schema.context import Info
from schema.user_errors import mutation, user_errors
from services import benefits as service
from services.clock import utcnow
from services.errors import (
    Duplicate,
    InsufficientPoints,
    Invalid,
    InvalidState,
    NotEligible,
    NotFound,
)


async def benefits(
    info: Info,
    include_inactive: Annotated[
        bool | None,
        strawberry.argument(description="Also benefits outside their active window."),
    ] = None,
) -> list[Benefit]:
    return await service.list_benefits(utcnow(), include_inactive=bool(include_inactive))  # type: ignore[return-value]


@user_errors(BenefitPayload)
async def upsert_benefit(
    info: Info, input: Annotated[BenefitInput, strawberry.argument(description="The benefit.")]
) -> BenefitPayload:
    benefit_id = decode_id(input.id, "Benefit") if input.id else None
    fields = service.BenefitFields(
        code=input.code,
        name=input.name,
        category=input.category,
        tier_codes=tuple(input.tier_codes),
        description=input.description,
        discount_percent=input.discount_percent,
        points_cost=input.points_cost,
        usage_limit=input.usage_limit,
        usage_period=input.usage_period,
        active_from=input.active_from,
        active_until=input.active_until,
    )
    benefit = await service.upsert_benefit(benefit_id, fields)
    info.context.audit.target(to_global_id("Benefit", benefit.id))
    return BenefitPayload(benefit=benefit)  # type: ignore[arg-type]


@user_errors(BenefitUsagePayload)
async def use_benefit(
    info: Info, input: Annotated[UseBenefitInput, strawberry.argument(description="The use.")]
) -> BenefitUsagePayload:
    field = ("input", "memberId")
    given = decode_id(input.member_id, "Member", field) if input.member_id else None
    member_id = info.context.scope_member(given, field)
    info.context.audit.target_member(member_id)
    usage = await service.use_benefit(
        member_id, input.benefit_code, input.idempotency_key, utcnow(), note=input.note
    )
    info.context.audit.target(to_global_id("BenefitUsage", usage.id))
    return BenefitUsagePayload(usage=usage)  # type: ignore[arg-type]


@user_errors(BenefitUsagePayload)
async def revoke_benefit_usage(
    info: Info,
    input: Annotated[
        RevokeBenefitUsageInput, strawberry.argument(description="The usage and the reason.")
    ],
) -> BenefitUsagePayload:
    usage_id = decode_id(input.id, "BenefitUsage")
    info.context.audit.target(input.id)
    usage = await service.revoke_usage(
        usage_id, input.reason, utcnow(), revoked_by_id=info.context.actor.staff_id
    )
    info.context.audit.target_member(usage.member_id)
    return BenefitUsagePayload(usage=usage)  # type: ignore[arg-type]


@strawberry.type
class BenefitsQuery:
    """Root query fields of benefits (joined in schema/root.py)."""

    benefits: list[Benefit] = strawberry.field(
        resolver=benefits,
        description="The benefit catalogue by code, only benefits active now by default.",
    )


@strawberry.type
class BenefitsMutation:
    """Root mutation fields of benefits (joined in schema/root.py)."""

    upsert_benefit: BenefitPayload = mutation(
        upsert_benefit,
        "Create a benefit (no id) or update one (id), with the tiers that hold it.",
        errors=(Invalid, NotFound, Duplicate, InvalidState),
    )
    use_benefit: BenefitUsagePayload = mutation(
        use_benefit,
        "Use a benefit (members: their own). Checked in this order: member ACTIVE "
        "(else INVALID_STATE), benefit active now, held by the member's tier, "
        "BIRTHDAY benefits only in the birthday month, usage limit of the current period "
        "(each NOT_ELIGIBLE), enough points (INSUFFICIENT_POINTS). A points cost is debited "
        "by a REDEEM entry. Repeating the idempotencyKey returns the first usage.",
        errors=(Invalid, NotFound, InvalidState, NotEligible, InsufficientPoints, Duplicate),
    )
    revoke_benefit_usage: BenefitUsagePayload = mutation(
        revoke_benefit_usage,
        "Revoke a benefit use and refund its points (an ADJUST entry). A revoked usage, or "
        "one of a TERMINATED member, is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
