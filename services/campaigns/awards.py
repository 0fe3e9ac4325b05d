"""What campaigns add to a purchase and take back at its refund (DESIGN §9 "Effect").

Runs inside the purchase's or the refund's write transaction, which holds the member
(SQLite's write lock from BEGIN IMMEDIATE, PostgreSQL's member row lock): a member's
CampaignMember rows change only under it, so reading one for the cap is race-free. The
campaign row is shared by every member, so its budget is kept by a guarded UPDATE.

Decisions the design leaves open:
- A campaign applies when the purchase's occurredAt lies in [startsAt, endsAt) and the
  campaign is APPROVED when the purchase is recorded: a late-synced purchase of the
  period earns it, and nothing earns an ENDED campaign's points any more.
- The audience is read as the member is before the purchase: the tier held before it
  (as the tier multiplier) and the tags carried then.
- pointsIssued and a member's total are net of reversals: a refund gives its points back
  to the budget and to the member's cap. membersReached counts members who were ever
  awarded points and stays when a refund takes them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from tortoise.expressions import F

from models.campaign import Campaign, CampaignMember
from models.enums import CampaignStatus
from models.member import Member
from services.clock import as_utc
from services.segments import Segment, in_segment
from shortcuts.rows import select
from shortcuts.sql import fetch_dicts, in_dialect

# The budget's guard: at most budget_points issued, only while the campaign is APPROVED.
_ISSUE = (
    "UPDATE campaign SET points_issued = points_issued + ?, members_reached = members_reached + ?"
    " WHERE id = ? AND status = ? AND (budget_points IS NULL OR points_issued + ? <= budget_points)"
    " RETURNING points_issued"
)
_LEFT = "SELECT status, budget_points - points_issued AS left_over FROM campaign WHERE id = ?"
# Read before every purchase's write transaction, written by hand (it is on the hot path).
_RUNNING = (
    'SELECT * FROM "campaign" WHERE "status" = ? AND "starts_at" <= ? AND "ends_at" > ?'
    ' ORDER BY "id"'
)
_RETURN = "UPDATE campaign SET points_issued = points_issued - ? WHERE id = ?"


@dataclass(frozen=True)
class Award:
    campaign: Campaign
    points: int


def extra_points(campaign: Campaign, base_points: int) -> int:
    """A campaign's award before cap and budget: floor(base x (multiplier - 1)) or the bonus."""
    if campaign.multiplier is None:
        return campaign.bonus_points or 0
    exact = Decimal(base_points) * (campaign.multiplier - 1)
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def _segment(campaign: Campaign) -> Segment | None:
    segment = Segment(campaign.tier_codes, campaign.tags_all, campaign.tags_any, campaign.tags_none)
    return segment if any(vars(segment).values()) else None


async def _in_audience(conn: Any, campaign: Campaign, member_id: int) -> bool:
    segment = _segment(campaign)
    if segment is None:
        return True
    return await in_segment(Member.filter(id=member_id), segment).using_db(conn).exists()


async def running(occurred_at: datetime) -> list[Campaign]:
    """The APPROVED campaigns whose period holds `occurred_at`, oldest first.

    Read before the purchase's write transaction, so that the database's write lock is not
    held for it (most purchases meet no campaign): a campaign approved meanwhile applies
    from the next purchase on, and one ended meanwhile gives nothing, as the guard of its
    award (`_ISSUE`) checks its status under the lock."""
    at = as_utc(occurred_at)
    params = [CampaignStatus.APPROVED.value, at, at]
    db = Campaign._meta.db
    return await select(Campaign, db, in_dialect(db, _RUNNING), params)


async def qualifying(
    conn: Any, candidates: list[Campaign], member_id: int, amount: Decimal, channel: str | None
) -> list[Campaign]:
    """Of the `running` campaigns, those whose audience and conditions the member (as they
    stand under the purchase's lock) and the purchase meet, oldest first."""
    found = []
    for campaign in candidates:
        if campaign.min_amount is not None and amount < campaign.min_amount:
            continue
        if campaign.channels and channel not in campaign.channels:
            continue
        if await _in_audience(conn, campaign, member_id):
            found.append(campaign)
    return found


async def _issue(conn: Any, campaign: Campaign, points: int, new_member: bool) -> int:
    """Issue up to `points` of the campaign's budget; what it gave (0 once ENDED or spent)."""
    while points > 0:
        params = [points, int(new_member), campaign.id, CampaignStatus.APPROVED.value, points]
        if await fetch_dicts(conn, _ISSUE, params):
            return points
        rows = await fetch_dicts(conn, _LEFT, [campaign.id])
        if rows[0]["status"] != CampaignStatus.APPROVED.value:
            return 0
        # Another member's purchase took some: give what remains, checked again by the guard.
        points = min(points, max(int(rows[0]["left_over"]), 0))
    return 0


async def award(conn: Any, member_id: int, campaign: Campaign, points: int) -> int:
    """Award `points` of `campaign` to the member within the per-member cap, then the
    budget: the points given (0 when nothing is left)."""
    mine = CampaignMember.filter(campaign_id=campaign.id, member_id=member_id)
    held = await mine.using_db(conn).first()
    so_far = held.points if held is not None else 0
    if campaign.max_points_per_member is not None:
        points = min(points, max(campaign.max_points_per_member - so_far, 0))
    given = await _issue(conn, campaign, points, new_member=held is None)
    if given == 0:
        return 0
    if held is None:
        await CampaignMember.create(
            campaign_id=campaign.id, member_id=member_id, points=given, using_db=conn
        )
    else:
        await CampaignMember.filter(id=held.id).using_db(conn).update(points=so_far + given)
    return given


async def take_back(conn: Any, member_id: int, campaign_id: int, points: int) -> None:
    """Return reversed points to the campaign's budget and the member's cap."""
    await fetch_dicts(conn, _RETURN, [points, campaign_id])
    held = CampaignMember.filter(campaign_id=campaign_id, member_id=member_id)
    await held.using_db(conn).update(points=F("points") - points)


async def campaign_names(conn: Any, campaign_ids: list[int | None]) -> dict[int | None, str]:
    """The names of the campaigns, by id (one query)."""
    if not campaign_ids:
        return {}
    rows = await Campaign.filter(id__in=set(campaign_ids)).using_db(conn).values_list("id", "name")
    return dict(rows)
