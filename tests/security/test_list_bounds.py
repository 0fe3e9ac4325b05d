"""The lists that are not paged stay within the bounds the query cost charges for
(services/limits.py): writes refuse to pass them, histories show their newest items."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from core.ids import to_global_id
from models.communication import Communication, ServiceCase
from models.enums import (
    BenefitCategory,
    CaseKind,
    CommunicationCategory,
    ContactChannel,
    Direction,
    ReviewDecision,
    Role,
    TagCategory,
    TierChangeReason,
)
from models.tag import TagDefinition
from models.tier import TierChange
from services import limits
from services.benefits import BenefitFields, upsert_benefit
from services.clock import utcnow
from services.errors import InvalidState
from services.tags import TagDraft, propose_tag_definition, review_tag_definition
from services.tiers import TierFields, upsert_tier
from tests.conftest import make_staff
from tests.factories import make_member, make_tiers

HISTORY = "query($id: ID!) { member(id: $id) { tierHistory { at } } }"
CASE = "query($id: ID!) { node(id: $id) { ... on ServiceCase { communications { content } } } }"


def _tier(rank: int) -> TierFields:
    # Each rung asks more than every rung of the demo ladder below it.
    return TierFields(
        f"T{rank}", f"Tier {rank}", rank, Decimal(10**6 * rank), 100 * rank, Decimal(1)
    )


async def test_the_ladder_holds_at_most_its_bound_of_tiers():
    await make_tiers()  # five rungs, ranks 0-4
    for rank in range(5, limits.TIERS):
        await upsert_tier(None, _tier(rank))
    with pytest.raises(InvalidState):
        await upsert_tier(None, _tier(limits.TIERS))


async def test_the_catalogue_holds_at_most_its_bound_of_benefits():
    await make_tiers()
    for n in range(limits.BENEFITS):
        await upsert_benefit(
            None, BenefitFields(f"B{n}", "gift", BenefitCategory.PRIORITY_SERVICE, ("REGULAR",))
        )
    with pytest.raises(InvalidState):
        await upsert_benefit(
            None, BenefitFields("ONE-MORE", "gift", BenefitCategory.PRIORITY_SERVICE, ("REGULAR",))
        )


async def test_no_more_tags_are_approved_than_a_member_may_carry():
    proposer, reviewer = await make_staff(Role.MARKETING), await make_staff(Role.OPERATIONS)
    now = utcnow()
    for n in range(limits.ACTIVE_TAGS + 1):
        draft = TagDraft(f"TAG{n}", f"tag {n}", TagCategory.VALUE)
        tag = await propose_tag_definition(draft, proposer.id, now)
        if n < limits.ACTIVE_TAGS:
            await review_tag_definition(tag.id, ReviewDecision.APPROVE, None, reviewer.id, now)
    with pytest.raises(InvalidState):
        await review_tag_definition(tag.id, ReviewDecision.APPROVE, None, reviewer.id, now)
    assert await TagDefinition.filter(status="ACTIVE").count() == limits.ACTIVE_TAGS


async def test_a_long_tier_history_shows_its_newest_changes(as_role):
    member = await make_member()
    [entry, *_] = await make_tiers()
    start = utcnow() - timedelta(days=1000)
    for n in range(limits.TIER_HISTORY + 5):
        await TierChange.create(
            member_id=member.id,
            to_tier_id=entry.id,
            reason=TierChangeReason.MANUAL,
            at=start + timedelta(days=n),
        )
    admin = await as_role(Role.ADMIN)
    shown = (await admin(HISTORY, {"id": to_global_id("Member", member.id)}))["data"]
    times = [change["at"] for change in shown["member"]["tierHistory"]]
    assert len(times) == limits.TIER_HISTORY
    assert times[0] == (start + timedelta(days=5)).isoformat()


async def test_a_long_case_shows_its_newest_contacts(as_role):
    member = await make_member()
    now = utcnow()
    case = await ServiceCase.create(
        member_id=member.id,
        kind=CaseKind.INQUIRY,
        channel=ContactChannel.PHONE,
        subject="long",
        opened_at=now,
        response_due_at=now,
        resolution_due_at=now,
    )
    for n in range(limits.CASE_COMMUNICATIONS + 3):
        await Communication.create(
            member_id=member.id,
            case_id=case.id,
            channel=ContactChannel.PHONE,
            direction=Direction.INBOUND,
            category=CommunicationCategory.INQUIRY,
            content=f"contact {n}",
            occurred_at=now + timedelta(minutes=n),
        )
    admin = await as_role(Role.ADMIN)
    shown = (await admin(CASE, {"id": to_global_id("ServiceCase", case.id)}))["data"]["node"]
    contents = [c["content"] for c in shown["communications"]]
    assert len(contents) == limits.CASE_COMMUNICATIONS
    assert contents[0] == "contact 3"
