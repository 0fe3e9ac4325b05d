"""The lifecycle stage's SQL (services/members/stages.py reads members through it),
in a module of its own that imports no service: the tag rule language holds it as a
field (services/tags/rules.py), and the members package imports the tags package."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.settings import get_settings
from models.enums import TagCategory
from services.clock import as_utc

# Matched in any case: the demo and many shops spell it `vip`.
VIP_CODE = "VIP"
# Days without a purchase count from here: the latest purchase, else joining.
_LAST_SEEN = "COALESCE(m.last_purchase_at, m.joined_at)"
# The lower of the ladder's two highest ranks: read in the statement, so the expression
# needs no read before it and a tag rule can hold it (services/tags/rules.py).
_TOP_RANKS = "(SELECT MIN(tr.rank) FROM (SELECT rank FROM tier ORDER BY rank DESC LIMIT 2) tr)"
_IS_VIP = (
    "EXISTS (SELECT 1 FROM member_tag vt JOIN tag_definition vd ON vd.id = vt.tag_id"
    " WHERE vt.member_id = m.id AND UPPER(vd.code) = ? AND vd.category = ?)"
)
# Its parameters: the three bounds of `stage_bounds`, then VIP_CODE and the VALUE category.
STAGE_CASE = (
    "CASE WHEN m.joined_at > ? THEN 'NEW'"
    f" WHEN {_LAST_SEEN} <= ? THEN 'CHURNED'"
    f" WHEN {_LAST_SEEN} <= ? THEN 'AT_RISK'"
    f" WHEN t.rank >= {_TOP_RANKS} OR {_IS_VIP} THEN 'HIGH_VALUE'"
    " ELSE 'ACTIVE' END"
)
VIP_PARAMS = (VIP_CODE, TagCategory.VALUE.value)


def stage_bounds(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Joined after the first: NEW; last seen by the second: CHURNED; by the third: AT_RISK."""
    settings = get_settings()
    now = as_utc(now)
    return (
        now - timedelta(days=settings.new_days),
        now - timedelta(days=settings.churn_days),
        now - timedelta(days=settings.at_risk_days),
    )
