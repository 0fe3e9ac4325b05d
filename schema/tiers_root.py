"""Root fields of tiers: the ladder, manual placement and the evaluation job."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from resolvers.ids import decode_id
from schema.context import Info
from schema.jobs import AsOf, JobReport
from schema.members import MemberPayload
from schema.tiers import SetMemberTierInput, Tier, TierInput, TierPayload
from schema.user_errors import mutation, user_errors
from services import tiers as service
from services.clock import utcnow
from services.errors import Duplicate, Invalid, InvalidState, NotFound


async def tiers(info: Info) -> list[Tier]:
    return await service.ladder()  # type: ignore[return-value]


@user_errors(TierPayload)
async def upsert_tier(
    info: Info, input: Annotated[TierInput, strawberry.argument(description="The tier.")]
) -> TierPayload:
    tier_id = None
    if input.id is not None:
        tier_id = decode_id(input.id, "Tier")
        info.context.audit.target(input.id)
    fields = service.clean_tier(
        input.code,
        input.name,
        input.rank,
        input.min_spend,
        input.min_orders,
        input.points_multiplier,
        input.description,
    )
    tier = await service.upsert_tier(tier_id, fields)
    info.context.audit.target(to_global_id("Tier", tier.id))
    return TierPayload(tier=tier)  # type: ignore[arg-type]


@user_errors(MemberPayload)
async def set_member_tier(
    info: Info,
    input: Annotated[
        SetMemberTierInput, strawberry.argument(description="The member, tier and note.")
    ],
) -> MemberPayload:
    member_id = decode_id(input.member_id, "Member", ("input", "memberId"))
    info.context.audit.target(input.member_id)
    member = await service.set_member_tier(
        member_id, input.tier_code, input.note, utcnow(), created_by_id=info.context.actor.staff_id
    )
    return MemberPayload(member=member)  # type: ignore[arg-type]


async def run_tier_evaluation(info: Info, as_of: AsOf = None) -> JobReport:
    return await JobReport.of_run(service.run_tier_evaluation(as_of or utcnow()))


@strawberry.type
class TiersQuery:
    """Root query fields of tiers (joined in schema/root.py)."""

    tiers: list[Tier] = strawberry.field(
        resolver=tiers, description="The tier ladder, entry tier (rank 0) first."
    )


@strawberry.type
class TiersMutation:
    """Root mutation fields of tiers (joined in schema/root.py)."""

    upsert_tier: TierPayload = mutation(
        upsert_tier,
        "Create a tier (no id) or update one (id). Members keep their tier until their next "
        "purchase or the next tier evaluation.",
        errors=(Invalid, NotFound, Duplicate, InvalidState),
    )
    set_member_tier: MemberPayload = mutation(
        set_member_tier,
        "Place a member in a tier by hand, overriding the criteria: a MANUAL tier change "
        "with the note; the member is notified. A TERMINATED member, or one already in the "
        "tier, is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
    run_tier_evaluation: JobReport = strawberry.mutation(
        resolver=run_tier_evaluation,
        description="Demote every member below their tier's criteria for the qualification "
        "window ending at asOf to the highest tier they meet (promotion happens at purchase). "
        "Running it again for the same asOf changes nothing. Also `memberhub run-job "
        "tier-evaluation`, for a scheduler (quarterly by default).",
    )
