"""The management dashboard (contract type Insights)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.tiers import Tier
from services.insights import Insights as InsightsResult


@strawberry.type
class TierCount:
    tier: Tier
    members: int


@strawberry.type
class Insights:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    active_members: int
    new_members: int
    terminated_members: int
    tier_distribution: list[TierCount]
    points_outstanding: int = strawberry.field(
        description="Points outstanding across all members (the liability)."
    )
    points_earned: int
    points_redeemed: int
    points_expired: int
    churn_rate: float = strawberry.field(
        description="Share of ACTIVE members with no purchase in the churn window."
    )
    satisfaction_rate: float | None = strawberry.field(
        description="Share of satisfaction scores >= 4 in the window."
    )
    response_sla_rate: float | None = strawberry.field(
        description="Share of cases in the window first answered within their response deadline."
    )
    resolution_sla_rate: float | None = strawberry.field(
        description="Share of complaints in the window resolved within their resolution deadline."
    )

    @classmethod
    def of(cls, result: InsightsResult) -> Insights:
        return cls(
            from_=result.start,
            to=result.end,
            active_members=result.active_members,
            new_members=result.new_members,
            terminated_members=result.terminated_members,
            tier_distribution=[
                TierCount(tier=tier, members=count)  # type: ignore[arg-type]
                for tier, count in result.tier_distribution
            ],
            points_outstanding=result.points_outstanding,
            points_earned=result.points_earned,
            points_redeemed=result.points_redeemed,
            points_expired=result.points_expired,
            churn_rate=result.churn_rate,
            satisfaction_rate=result.satisfaction_rate,
            response_sla_rate=result.response_sla_rate,
            resolution_sla_rate=result.resolution_sla_rate,
        )
