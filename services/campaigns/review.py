"""Campaigns proposed, reviewed by a second staff member, updated while pending, ended
early (DESIGN §9), as tag definitions are (services/tags/definitions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.campaign import Campaign
from models.enums import CampaignStatus, ReviewDecision, TagUseKind
from services.campaigns.drafts import CampaignDraft, clean_draft
from services.db import retry_busy, transaction
from services.errors import Duplicate, InvalidState, NotFound
from services.reviews import MAX_NOTE, approves, limited_text
from services.segments import Segment
from services.tags.uses import record_uses_by_code

ID = ("input", "id")


async def _campaign(campaign_id: int) -> Campaign:
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.", ID)
    return campaign


def _duplicate() -> Duplicate:
    return Duplicate("A campaign with this code exists.", ("input", "code"))


async def _written(write: Any, code: str) -> None:
    """Run `write` in a transaction; a code another campaign holds is Duplicate."""

    async def run() -> None:
        async with transaction() as conn:  # a savepoint in a unit: a refusal leaves no trace
            await write(conn)

    try:
        await retry_busy(run)
    except IntegrityError:
        # Another campaign took the code between our check and our write.
        if await Campaign.exists(code=code):
            raise _duplicate() from None
        raise


async def propose_campaign(
    draft: CampaignDraft, proposer_id: int | None, now: datetime
) -> Campaign:
    """Propose a campaign (PENDING_REVIEW). Raises Invalid (see `clean_draft`), Duplicate."""
    columns = await clean_draft(draft)
    if await Campaign.exists(code=columns["code"]):
        raise _duplicate()
    made: list[Campaign] = []

    async def write(conn: Any) -> None:
        made.append(
            await Campaign.create(
                **columns, proposed_by_id=proposer_id, proposed_at=now, using_db=conn
            )
        )

    await _written(write, columns["code"])
    return made[0]


async def update_campaign(campaign_id: int, draft: CampaignDraft) -> Campaign:
    """Replace a PENDING_REVIEW campaign's terms. Raises NotFound, InvalidState (reviewed
    or ended: a campaign never changes once approved), Invalid, Duplicate."""
    await _campaign(campaign_id)
    columns = await clean_draft(draft)
    if await Campaign.filter(code=columns["code"]).exclude(id=campaign_id).exists():
        raise _duplicate()

    async def write(conn: Any) -> None:
        pending = Campaign.filter(id=campaign_id, status=CampaignStatus.PENDING_REVIEW)
        if not await pending.using_db(conn).update(**columns):
            await _refuse_unless_pending(campaign_id)

    await _written(write, columns["code"])
    return await _campaign(campaign_id)


async def _refuse_unless_pending(campaign_id: int) -> None:
    status = (await _campaign(campaign_id)).status
    raise InvalidState(f"This campaign is {status.value}, not pending review.", ID)


async def review_campaign(
    campaign_id: int,
    decision: ReviewDecision,
    note: str | None,
    reviewer_id: int | None,
    now: datetime,
) -> Campaign:
    """Approve (APPROVED: purchases in its period earn it) or reject a proposed campaign.
    An approval counts a use of each tag its audience names, reaching nobody yet: whom it
    reached is its membersReached, known as purchases earn it.

    Four eyes: the proposer may not approve it (NotAllowed). Raises NotFound,
    InvalidState (not pending review), Invalid (note).
    """
    campaign = await _campaign(campaign_id)
    note = limited_text(note, MAX_NOTE, ("input", "note"))
    if campaign.status is not CampaignStatus.PENDING_REVIEW:
        await _refuse_unless_pending(campaign_id)
    approve = approves(decision, campaign.proposed_by_id, reviewer_id, "campaign")

    async def write() -> None:
        async with transaction() as conn:
            reviewed = (
                await Campaign.filter(id=campaign_id, status=CampaignStatus.PENDING_REVIEW)
                .using_db(conn)
                .update(
                    status=CampaignStatus.APPROVED if approve else CampaignStatus.REJECTED,
                    reviewed_by_id=reviewer_id,
                    reviewed_at=now,
                    review_note=note,
                )
            )
            if not reviewed:
                raise InvalidState("This campaign was reviewed meanwhile.", ID)
            if approve:
                audience = Segment(None, campaign.tags_all, campaign.tags_any, campaign.tags_none)
                await record_uses_by_code(conn, audience.tag_codes, TagUseKind.CAMPAIGN, now, 0)

    await retry_busy(write)
    return await _campaign(campaign_id)


async def end_campaign(campaign_id: int, now: datetime) -> Campaign:
    """End an APPROVED campaign early: ENDED, no purchase earns it any more.

    Raises NotFound, InvalidState (not APPROVED).
    """
    campaign = await _campaign(campaign_id)

    async def write() -> None:
        async with transaction() as conn:
            ended = (
                await Campaign.filter(id=campaign_id, status=CampaignStatus.APPROVED)
                .using_db(conn)
                .update(status=CampaignStatus.ENDED, ended_at=now)
            )
            if not ended:
                raise InvalidState(
                    f"Only an approved campaign can be ended; this one is {campaign.status.value}.",
                    ID,
                )

    await retry_busy(write)
    return await _campaign(campaign_id)


def campaigns(status: CampaignStatus | None) -> QuerySet[Campaign]:
    """Campaigns, newest period first."""
    rows = Campaign.all()
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("-starts_at", "-id")
