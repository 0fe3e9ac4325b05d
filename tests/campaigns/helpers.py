"""Campaigns for tests: proposed by one staff member and approved by another."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from models.campaign import Campaign
from models.enums import ReviewDecision, Role
from services import campaigns
from services.campaigns import Audience, CampaignDraft
from services.clock import utcnow
from tests.conftest import make_staff

_codes = itertools.count(1)


def draft(**changes: Any) -> CampaignDraft:
    now = utcnow()
    terms: dict[str, Any] = {
        "code": f"CAMP-{next(_codes)}",
        "name": "Spring double points",
        "starts_at": now - timedelta(days=10),
        "ends_at": now + timedelta(days=10),
        "multiplier": Decimal(2),
    }
    terms.update(changes)
    if "bonus_points" in changes and "multiplier" not in changes:
        terms["multiplier"] = None
    return CampaignDraft(**terms)


async def approved(at: datetime | None = None, **changes: Any) -> Campaign:
    """A campaign proposed by MARKETING and approved by OPERATIONS."""
    proposer = await make_staff(Role.MARKETING, f"proposer-{next(_codes)}")
    reviewer = await make_staff(Role.OPERATIONS, f"reviewer-{next(_codes)}")
    now = at or utcnow()
    made = await campaigns.propose_campaign(draft(**changes), proposer.id, now)
    return await campaigns.review_campaign(made.id, ReviewDecision.APPROVE, None, reviewer.id, now)


__all__ = ["Audience", "approved", "draft"]
