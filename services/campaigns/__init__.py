"""Earning campaigns (DESIGN §9): proposed, reviewed by a second staff member, ended.

Public functions other domains call: services/points posts what
`services.campaigns.awards` decides at each purchase and refund.
"""

from services.campaigns.drafts import Audience, CampaignDraft
from services.campaigns.review import (
    campaigns,
    end_campaign,
    propose_campaign,
    review_campaign,
    update_campaign,
)

__all__ = [
    "Audience",
    "CampaignDraft",
    "campaigns",
    "end_campaign",
    "propose_campaign",
    "review_campaign",
    "update_campaign",
]
