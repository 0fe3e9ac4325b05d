"""What each campaign has done, for insights (issue 25 point 1): the points it issued,
the members it reached and the liability it added.

The liability is expressed as insights' pointsOutstanding is, in points: a campaign's
entries' remainders that no debit has consumed yet, by the ledger's own FIFO lots
(services/points/lots.py), so redeemed, reversed and expired campaign points no longer
count. Lapsed points count until the expiry job posts them, as balances do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from models.campaign import Campaign, CampaignMember
from models.enums import CampaignStatus
from models.points import PointsEntry
from services import limits
from services.points.lots import open_lots


@dataclass(frozen=True)
class CampaignFigures:
    campaign: Campaign
    points_issued: int
    members_reached: int
    points_outstanding: int


async def _outstanding(campaign_ids: list[int]) -> dict[int, int]:
    """Unconsumed points of the campaigns' entries, by campaign: the ledgers of the members
    holding any replayed into lots (one query for them all)."""
    holders = CampaignMember.filter(campaign_id__in=campaign_ids, points__gt=0)
    member_ids = set(await holders.values_list("member_id", flat=True))
    entries = await PointsEntry.filter(member_id__in=member_ids).order_by("member_id", "id")
    campaign_of = {entry.id: entry.campaign_id for entry in entries if entry.campaign_id}
    left: defaultdict[int, int] = defaultdict(int)
    for _, ledger in groupby(entries, key=lambda entry: entry.member_id):
        for lot in open_lots(ledger):
            campaign_id = campaign_of.get(lot.entry_id)
            if campaign_id is not None:
                left[campaign_id] += lot.remaining
    return left


async def campaign_figures(start: datetime, end: datetime) -> list[CampaignFigures]:
    """Approved and ended campaigns whose period overlaps [start, end), latest first, up
    to the bound of the list (limits.INSIGHT_CAMPAIGNS)."""
    shown = (
        await Campaign.filter(
            status__in=[CampaignStatus.APPROVED, CampaignStatus.ENDED],
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("-starts_at", "-id")
        .limit(limits.INSIGHT_CAMPAIGNS)
    )
    left = await _outstanding([campaign.id for campaign in shown]) if shown else {}
    return [
        CampaignFigures(
            campaign, campaign.points_issued, campaign.members_reached, left.get(campaign.id, 0)
        )
        for campaign in shown
    ]
