"""How long the lists that are not paged can grow (DESIGN §5).

The query cost counts every list by the most items it can hold, so these bounds are what
an operation may be charged for before it runs. Where such a list grows by a write (a
tier, a benefit, a tag definition), the write refuses to pass the bound; where it grows
with a member's history (tier changes, a case's contacts), the field shows the newest
items up to the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.errors import InvalidState

# A tier ladder is read by members at a glance; no programme has more rungs than this.
TIERS = 10
# Benefits in the catalogue, active or not: one out of use is edited into a new one
# (upsertBenefit) rather than added beside it.
BENEFITS = 100
# Tag definitions of every status; retired tags stay in history.
TAG_DEFINITIONS = 500
# Active tags, so the most a member can carry (one assignment per tag).
ACTIVE_TAGS = 50
# Tier changes a member's history shows, newest last.
TIER_HISTORY = 100
# Contacts a service case shows, newest last; all of them are paged in the member's
# communications.
CASE_COMMUNICATIONS = 50
# Webhook endpoints: integrations beside memberhub, each sent every event it names.
WEBHOOK_ENDPOINTS = 20
# Campaigns insights show, latest period first; every campaign is paged in `campaigns`.
INSIGHT_CAMPAIGNS = 50
# UserErrors a payload carries: one per refused rule, never more than a handful.
USER_ERRORS = 10


async def ensure_room(existing: Any, bound: int, what: str, field: Sequence[str]) -> None:
    """Refuse a new row when `existing` (a queryset of its kind) already holds `bound`.
    Raises InvalidState."""
    if await existing.count() >= bound:
        raise InvalidState(f"There can be at most {bound} {what}.", field)
