"""Root fields of earning campaigns: the list, proposal, review, update and ending."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from models.enums import CampaignStatus
from resolvers.ids import decode_id
from schema.campaigns import (
    Campaign,
    CampaignIdInput,
    CampaignPayload,
    ProposeCampaignInput,
    ReviewCampaignInput,
    UpdateCampaignInput,
)
from schema.context import Info
from schema.pagination import After, Connection, First, paginate
from schema.user_errors import mutation, user_errors
from services import campaigns as service
from services.clock import utcnow
from services.errors import Duplicate, Invalid, InvalidState, NotFound


async def campaigns(
    info: Info,
    status: Annotated[
        CampaignStatus | None, strawberry.argument(description="Only this state; default all.")
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[Campaign]:
    return await paginate(service.campaigns(status), first, after, info)


@user_errors(CampaignPayload)
async def propose_campaign(
    info: Info,
    input: Annotated[ProposeCampaignInput, strawberry.argument(description="Its terms.")],
) -> CampaignPayload:
    campaign = await service.propose_campaign(
        input.to_draft(), info.context.actor.staff_id, utcnow()
    )
    info.context.audit.target(to_global_id("Campaign", campaign.id))
    return CampaignPayload(campaign=campaign)  # type: ignore[arg-type]


@user_errors(CampaignPayload)
async def update_campaign(
    info: Info,
    input: Annotated[
        UpdateCampaignInput, strawberry.argument(description="The campaign and its new terms.")
    ],
) -> CampaignPayload:
    campaign_id = decode_id(input.id, "Campaign")
    info.context.audit.target(input.id)
    campaign = await service.update_campaign(campaign_id, input.to_draft())
    return CampaignPayload(campaign=campaign)  # type: ignore[arg-type]


@user_errors(CampaignPayload)
async def review_campaign(
    info: Info,
    input: Annotated[
        ReviewCampaignInput, strawberry.argument(description="The campaign and the decision.")
    ],
) -> CampaignPayload:
    campaign_id = decode_id(input.id, "Campaign")
    info.context.audit.target(input.id)
    campaign = await service.review_campaign(
        campaign_id, input.decision, input.note, info.context.actor.staff_id, utcnow()
    )
    return CampaignPayload(campaign=campaign)  # type: ignore[arg-type]


@user_errors(CampaignPayload)
async def end_campaign(
    info: Info,
    input: Annotated[CampaignIdInput, strawberry.argument(description="The campaign to end.")],
) -> CampaignPayload:
    campaign_id = decode_id(input.id, "Campaign")
    info.context.audit.target(input.id)
    campaign = await service.end_campaign(campaign_id, utcnow())
    return CampaignPayload(campaign=campaign)  # type: ignore[arg-type]


@strawberry.type
class CampaignsQuery:
    """Root query fields of campaigns (joined in schema/root.py)."""

    campaigns: Connection[Campaign] = strawberry.field(
        resolver=campaigns, description="Earning campaigns, latest period first."
    )


@strawberry.type
class CampaignsMutation:
    """Root mutation fields of campaigns (joined in schema/root.py)."""

    propose_campaign: CampaignPayload = mutation(
        propose_campaign,
        "Propose an earning campaign (PENDING_REVIEW). Either a multiplier (1 to 10) or a "
        "bonus (at least 0); a period that does not end after it starts, or an unknown tier "
        "or tag code, is INVALID.",
        errors=(Invalid, Duplicate),
    )
    update_campaign: CampaignPayload = mutation(
        update_campaign,
        "Replace the terms of a campaign still PENDING_REVIEW; once reviewed or ended it "
        "never changes (INVALID_STATE).",
        errors=(Invalid, NotFound, InvalidState, Duplicate),
    )
    review_campaign: CampaignPayload = mutation(
        review_campaign,
        "Approve (APPROVED: qualifying purchases in its period earn it) or reject a proposed "
        "campaign. The proposer may not approve their own proposal (a FORBIDDEN error); a "
        "campaign not PENDING_REVIEW is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
    end_campaign: CampaignPayload = mutation(
        end_campaign,
        "End an APPROVED campaign early (ENDED): no purchase recorded after earns it. Any "
        "other state is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
