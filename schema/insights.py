"""The management dashboard (contract type Insights)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.campaigns import Campaign
from schema.enums import LifecycleStage
from schema.tiers import Tier
from services import limits
from services.insights import SATISFACTION_TARGET
from services.insights import Insights as InsightsResult


@strawberry.type(description="How many members hold a tier.")
class TierCount:
    tier: Tier = strawberry.field(description="The tier.")
    members: int = strawberry.field(description="ACTIVE members holding it now.")


@strawberry.type(description="How many members are at a lifecycle stage.")
class StageCount:
    stage: LifecycleStage = strawberry.field(description="The stage.")
    members: int = strawberry.field(description="ACTIVE members at it now.")


@strawberry.type(description="What one earning campaign has done.")
class CampaignInsight:
    campaign: Campaign = strawberry.field(description="The campaign.")
    points_issued: int = strawberry.field(
        description="Points it has given, net of refunds (all time, not only the window)."
    )
    members_reached: int = strawberry.field(description="Members it has given points to.")
    points_outstanding: int = strawberry.field(
        description="The liability it added: its points not yet redeemed, reversed or expired "
        "(as pointsOutstanding)."
    )


@strawberry.type(
    description="Programme figures for a window [from, to) (half-open: adjacent windows "
    "never count a record twice). Counts of the window's events, plus standing figures as "
    "of now (activeMembers, tierDistribution, pointsOutstanding). Rates are shares from 0 "
    "to 1; null when there is nothing to measure."
)
class Insights:
    from_: datetime = strawberry.field(name="from", description="Start of the window (UTC).")
    to: datetime = strawberry.field(description="End of the window, exclusive (UTC).")
    active_members: int = strawberry.field(description="Members ACTIVE now.")
    new_members: int = strawberry.field(description="Members who joined in the window.")
    terminated_members: int = strawberry.field(
        description="Memberships whose termination took effect in the window."
    )
    tier_distribution: list[TierCount] = strawberry.field(
        description="ACTIVE members per tier now, entry tier first."
    )
    stage_distribution: list[StageCount] = strawberry.field(
        description="ACTIVE members per lifecycle stage now, every stage listed."
    )
    points_outstanding: int = strawberry.field(
        description="Points outstanding across all members (the liability)."
    )
    points_earned: int = strawberry.field(description="Points earned (EARN) in the window.")
    points_redeemed: int = strawberry.field(
        description="Points redeemed (REDEEM) in the window, as a positive number."
    )
    points_expired: int = strawberry.field(
        description="Points expired (EXPIRE) in the window, as a positive number."
    )
    churn_rate: float = strawberry.field(
        description="Share of ACTIVE members with no purchase in the churn window "
        "(MEMBERHUB_CHURN_DAYS, default 180, up to `to`)."
    )
    satisfaction_rate: float | None = strawberry.field(
        description="Share of satisfaction scores >= 4 in the window."
    )
    satisfaction_rate_surveys: float | None = strawberry.field(
        description="The same share for surveys alone (category SURVEY: answers given with "
        "respondToSurvey and survey contacts staff log)."
    )
    satisfaction_rate_cases: float | None = strawberry.field(
        description="The same share for every other score: the service's contacts and cases."
    )
    satisfaction_target: float = strawberry.field(
        description="The policy's target for the satisfaction rate (0.9)."
    )
    response_sla_rate: float | None = strawberry.field(
        description="Share of cases in the window first answered within their response deadline."
    )
    resolution_sla_rate: float | None = strawberry.field(
        description="Share of complaints in the window resolved within their resolution deadline."
    )

    campaigns: list[CampaignInsight] = strawberry.field(
        description="Approved and ended earning campaigns whose period overlaps the window, "
        f"latest first, at most {limits.INSIGHT_CAMPAIGNS} (all are listed by `campaigns`)."
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
            stage_distribution=[
                StageCount(stage=stage, members=count) for stage, count in result.stage_distribution
            ],
            points_outstanding=result.points_outstanding,
            points_earned=result.points_earned,
            points_redeemed=result.points_redeemed,
            points_expired=result.points_expired,
            churn_rate=result.churn_rate,
            satisfaction_rate=result.satisfaction_rate,
            satisfaction_rate_surveys=result.satisfaction_rate_surveys,
            satisfaction_rate_cases=result.satisfaction_rate_cases,
            satisfaction_target=SATISFACTION_TARGET,
            response_sla_rate=result.response_sla_rate,
            resolution_sla_rate=result.resolution_sla_rate,
            campaigns=[
                CampaignInsight(
                    campaign=figures.campaign,  # type: ignore[arg-type]
                    points_issued=figures.points_issued,
                    members_reached=figures.members_reached,
                    points_outstanding=figures.points_outstanding,
                )
                for figures in result.campaigns
            ],
        )
