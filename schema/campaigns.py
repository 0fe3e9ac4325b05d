"""Types of earning campaigns (DESIGN §9): the campaign, its audience, inputs, payload."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from operator import attrgetter

import strawberry

from core.ids import to_global_id
from models.campaign import Campaign as CampaignModel
from schema.common import UserError, errors_field, model_type
from schema.enums import CampaignStatus, ReviewDecision
from schema.staff import StaffUser
from services.campaigns import Audience, CampaignDraft
from shortcuts import relation


@strawberry.type(description="Who a campaign is for; empty lists do not narrow it.")
class CampaignAudience:
    tier_codes: list[str] = strawberry.field(
        description="Members holding any of these tiers before the purchase."
    )
    tags_all: list[str] = strawberry.field(description="Members carrying every one of these tags.")
    tags_any: list[str] = strawberry.field(
        description="Members carrying at least one of these tags."
    )
    tags_none: list[str] = strawberry.field(description="Members carrying none of these tags.")


@model_type(
    CampaignModel,
    description="An earning campaign: purchases in its period by its audience that meet its "
    "conditions earn extra points, each campaign its own ledger entry naming it. It applies "
    "only once a staff member other than its proposer approves it.",
)
class Campaign:
    code: str = strawberry.field(description="Unique code, e.g. SPRING-2x.")
    name: str = strawberry.field(
        description="Name shown to members on their ledger, e.g. Spring double points."
    )
    status: CampaignStatus | None = strawberry.field(description="Review state.")
    starts_at: datetime | None = strawberry.field(
        description="Purchases that occurred from this instant on earn it (UTC)."
    )
    ends_at: datetime | None = strawberry.field(
        description="Purchases that occurred before this instant earn it (UTC, exclusive)."
    )
    min_amount: Decimal | None = strawberry.field(
        description="The least purchase amount that earns it; null for any."
    )
    channels: list[str] | None = strawberry.field(
        description="Purchase channels that earn it; empty for any."
    )
    multiplier: Decimal | None = strawberry.field(
        description="Adds floor(the purchase's own points x (multiplier - 1)); null for a "
        "bonus campaign."
    )
    bonus_points: int | None = strawberry.field(
        description="Points added to each qualifying purchase; null for a multiplier campaign."
    )
    max_points_per_member: int | None = strawberry.field(
        description="Most points one member gets from it, net of refunds; null for no cap."
    )
    budget_points: int | None = strawberry.field(
        description="Most points it gives in all, net of refunds; null for no budget."
    )
    points_issued: int | None = strawberry.field(
        description="Points given so far, net of refunds (which return to the budget)."
    )
    members_reached: int | None = strawberry.field(
        description="Members who have been given its points."
    )
    proposed_by: StaffUser | None = relation(
        attrgetter("staff_by_id"), "proposed_by_id", description="Who proposed it."
    )
    reviewed_by: StaffUser | None = relation(
        attrgetter("staff_by_id"),
        "reviewed_by_id",
        description="Who approved or rejected it; null while PENDING_REVIEW.",
    )

    @strawberry.field(description="Global ID of the campaign.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Campaign", self.id))

    @strawberry.field(description="Who the campaign is for.")
    def audience(self) -> CampaignAudience | None:
        return CampaignAudience(
            tier_codes=self.tier_codes,  # type: ignore[attr-defined]
            tags_all=self.tags_all,  # type: ignore[attr-defined]
            tags_any=self.tags_any,  # type: ignore[attr-defined]
            tags_none=self.tags_none,  # type: ignore[attr-defined]
        )


@strawberry.input(description="Who a campaign is for; omitted lists do not narrow it.")
class CampaignAudienceInput:
    tier_codes: list[str] | None = strawberry.field(
        default=None, description="Tier codes; members holding any of them before the purchase."
    )
    tags_all: list[str] | None = strawberry.field(
        default=None, description="Tag codes the member carries every one of."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Tag codes the member carries at least one of."
    )
    tags_none: list[str] | None = strawberry.field(
        default=None, description="Tag codes the member carries none of."
    )


@strawberry.input(
    description="A campaign's terms. Either a multiplier (1 to 10) or a bonus (at least 0), "
    "not both; a period that does not end after it starts, or an unknown tier or tag code, "
    "is INVALID. Overlapping campaigns are fine: all that qualify apply."
)
class ProposeCampaignInput:
    code: str = strawberry.field(
        description="Unique code: 1 to 64 letters, digits or _ . : -, starting with a letter "
        "or digit."
    )
    name: str = strawberry.field(description="Name shown on the ledger, 1 to 128 characters.")
    starts_at: datetime = strawberry.field(
        description="Start of the period, with its offset (business time zone or any)."
    )
    ends_at: datetime = strawberry.field(description="End of the period (exclusive).")
    audience: CampaignAudienceInput | None = strawberry.field(
        default=None, description="Who it is for; omit for every member."
    )
    min_amount: Decimal | None = strawberry.field(
        default=None, description="The least purchase amount that earns it."
    )
    channels: list[str] | None = strawberry.field(
        default=None, description="Purchase channels that earn it; omit for any."
    )
    multiplier: Decimal | None = strawberry.field(
        default=None, description="Points multiplier, 1 to 10 (two decimals at most)."
    )
    bonus_points: int | None = strawberry.field(
        default=None, description="Fixed bonus per qualifying purchase, at least 0."
    )
    max_points_per_member: int | None = strawberry.field(
        default=None, description="Cap of its points per member; omit for none."
    )
    budget_points: int | None = strawberry.field(
        default=None, description="Total budget of its points; omit for none."
    )

    def to_draft(self) -> CampaignDraft:
        audience = self.audience or CampaignAudienceInput()
        return CampaignDraft(
            code=self.code,
            name=self.name,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            audience=Audience(
                audience.tier_codes or (),
                audience.tags_all or (),
                audience.tags_any or (),
                audience.tags_none or (),
            ),
            min_amount=self.min_amount,
            channels=self.channels or (),
            multiplier=self.multiplier,
            bonus_points=self.bonus_points,
            max_points_per_member=self.max_points_per_member,
            budget_points=self.budget_points,
        )


@strawberry.input(
    description="A campaign still PENDING_REVIEW and its new terms, replacing the old whole."
)
class UpdateCampaignInput(ProposeCampaignInput):
    id: strawberry.ID = strawberry.field(description="The campaign.")


@strawberry.input(description="A campaign and the review decision.")
class ReviewCampaignInput:
    id: strawberry.ID = strawberry.field(description="The campaign.")
    decision: ReviewDecision = strawberry.field(description="Approve or reject.")
    note: str | None = strawberry.field(
        default=None, description="Why, for the record (free text)."
    )


@strawberry.input(description="A campaign.")
class CampaignIdInput:
    id: strawberry.ID = strawberry.field(description="The campaign.")


@strawberry.type(description="Result of a campaign mutation.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(
        default=None, description="The campaign as saved; null when refused."
    )
    errors: list[UserError] = errors_field()
