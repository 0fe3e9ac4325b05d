"""Insights per campaign: points issued, members reached, the liability it added."""

from __future__ import annotations

from decimal import Decimal

from models.enums import RedemptionPurpose, Role
from services.clock import utcnow
from services.points import record_purchase, redeem_points
from tests.campaigns.helpers import approved
from tests.conftest import staff_token
from tests.factories import make_member

INSIGHTS = """{ insights { campaigns { campaign { code } pointsIssued membersReached
pointsOutstanding } } }"""


async def test_each_campaign_shows_what_it_issued_and_its_unspent_points(api):
    # given a bonus of 50 on two members' purchases of 100,
    campaign = await approved(bonus_points=50)
    first, second = await make_member(), await make_member()
    await record_purchase(first.id, "I-1", Decimal(100), utcnow())
    await record_purchase(second.id, "I-2", Decimal(100), utcnow())
    # when the first spends 120: the purchase's 100 (older) first, then 20 of the bonus
    await redeem_points(first.id, 120, RedemptionPurpose.GIFT, "spend", utcnow())
    result = await api(INSIGHTS, token=await staff_token(Role.ANALYST))
    # then the campaign issued 100 to 2 members, of which 30 + 50 are outstanding
    assert result["data"]["insights"]["campaigns"] == [
        {
            "campaign": {"code": campaign.code},
            "pointsIssued": 100,
            "membersReached": 2,
            "pointsOutstanding": 80,
        }
    ]
