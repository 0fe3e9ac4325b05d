"""What campaigns add at a purchase and take back at its refund (DESIGN §9), called directly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from models.campaign import Campaign, CampaignMember
from models.enums import PointsEntryKind, TagCategory, TagSource
from models.points import PointsEntry
from models.tag import MemberTag, TagDefinition
from services import campaigns
from services.clock import local_date, utcnow
from services.points import record_purchase, refund_purchase, run_points_expiry
from tests.campaigns.helpers import Audience, approved
from tests.factories import make_member, make_tiers


async def _entries(member_id: int) -> list[tuple[str, int, str | None]]:
    rows = await PointsEntry.filter(member_id=member_id).order_by("id")
    return [(entry.kind.value, entry.points, entry.reason) for entry in rows]


async def _campaign_points(member_id: int) -> list[int]:
    rows = await PointsEntry.filter(member_id=member_id, campaign_id__isnull=False).order_by("id")
    return [entry.points for entry in rows]


async def test_a_multiplier_adds_base_times_multiplier_less_one_with_tier_and_birthday():
    # given a GOLD member (x1.5) buying on their birthday (x2) in a x2.5 campaign
    gold = (await make_tiers())[2]
    today = local_date(utcnow())
    born = date(1992, today.month, today.day)  # 1992 holds 29 February too
    member = await make_member(tier=gold, birth_date=born)
    await approved(multiplier=Decimal("2.5"), name="Spring double points")
    # when they buy for 33.35
    await record_purchase(member.id, "ORD-1", Decimal("33.35"), utcnow())
    # then the campaign adds floor(base x 1.5) as its own entry naming it
    assert await _entries(member.id) == [
        ("EARN", 100, "Purchase ORD-1 (birthday double points)"),  # floor(33.35 x 1.5 x 2)
        ("EARN", 150, "Spring double points"),  # floor(100 x 1.5)
    ]


async def test_a_bonus_adds_its_points_and_several_campaigns_sum():
    member = await make_member()
    await approved(bonus_points=50, name="Welcome bonus")
    await approved(multiplier=Decimal(3), name="Triple")
    await record_purchase(member.id, "ORD-1", Decimal("100"), utcnow())
    assert await _entries(member.id) == [
        ("EARN", 100, "Purchase ORD-1"),
        ("EARN", 50, "Welcome bonus"),
        ("EARN", 200, "Triple"),
    ]
    assert (await type(member).get(id=member.id)).points_balance == 350


async def test_the_cap_per_member_then_the_budget_gives_what_remains():
    first, second = await make_member(), await make_member()
    campaign = await approved(bonus_points=60, max_points_per_member=100, budget_points=130)
    await record_purchase(first.id, "A-1", Decimal("10"), utcnow())
    await record_purchase(first.id, "A-2", Decimal("10"), utcnow())  # cap: 40 of 60
    await record_purchase(first.id, "A-3", Decimal("10"), utcnow())  # cap reached: nothing
    await record_purchase(second.id, "B-1", Decimal("10"), utcnow())  # budget: 30 left
    await record_purchase(second.id, "B-2", Decimal("10"), utcnow())  # budget spent
    assert await _campaign_points(first.id) == [60, 40]
    assert await _campaign_points(second.id) == [30]
    campaign = await Campaign.get(id=campaign.id)
    assert (campaign.points_issued, campaign.members_reached) == (130, 2)


async def test_audience_by_tier_held_before_the_purchase_and_by_tags():
    tiers = await make_tiers()
    vip = await TagDefinition.create(
        code="VIP", name="VIP", category=TagCategory.VALUE, created_at=utcnow()
    )
    await TagDefinition.create(
        code="CHURNED", name="Churned", category=TagCategory.VALUE, created_at=utcnow()
    )
    silver_vip = await make_member(tier=tiers[1])
    await MemberTag.create(
        member=silver_vip, tag=vip, source=TagSource.MANUAL, assigned_at=utcnow()
    )
    regular = await make_member()
    await approved(bonus_points=5, audience=Audience(tier_codes=["SILVER"]), name="Silver")
    await approved(bonus_points=7, audience=Audience(tags_all=["VIP"]), name="All VIP")
    await approved(bonus_points=11, audience=Audience(tags_any=["VIP", "CHURNED"]), name="Any")
    await approved(bonus_points=13, audience=Audience(tags_none=["VIP"]), name="None VIP")
    # a purchase that promotes `regular` to SILVER still earns at REGULAR
    await record_purchase(regular.id, "R-1", Decimal("2500"), utcnow() - timedelta(hours=1))
    await record_purchase(regular.id, "R-2", Decimal("10"), utcnow() - timedelta(minutes=1))
    await record_purchase(silver_vip.id, "S-1", Decimal("10"), utcnow())
    assert await _campaign_points(regular.id) == [13, 13]
    assert await _campaign_points(silver_vip.id) == [5, 7, 11]


async def test_min_amount_channel_and_period_decide():
    member = await make_member()
    now = utcnow()
    await approved(bonus_points=1, min_amount=Decimal("50"), name="Fifty")
    await approved(bonus_points=2, channels=["APP"], name="App")
    await approved(
        bonus_points=4, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    await record_purchase(member.id, "P-1", Decimal("49.99"), now, channel="APP")
    await record_purchase(member.id, "P-2", Decimal("50"), now, channel="STORE")
    # bought in the period of the past campaign, recorded late: it earns it
    await record_purchase(
        member.id, "P-3", Decimal("1"), now, occurred_at=now - timedelta(days=1, hours=12)
    )
    assert await _campaign_points(member.id) == [2, 1, 4]


async def test_an_ended_campaign_awards_nothing_more():
    member = await make_member()
    campaign = await approved(bonus_points=5)
    await campaigns.end_campaign(campaign.id, utcnow())
    await record_purchase(member.id, "E-1", Decimal("10"), utcnow())
    assert await _campaign_points(member.id) == []


async def test_a_replayed_order_posts_nothing_more():
    member = await make_member()
    await approved(bonus_points=5)
    await record_purchase(member.id, "R-1", Decimal("10"), utcnow())
    await record_purchase(member.id, "R-1", Decimal("10"), utcnow())
    assert await _campaign_points(member.id) == [5]


async def test_refunds_reverse_campaign_points_in_proportion_and_return_them_to_the_budget():
    member = await make_member()
    campaign = await approved(multiplier=Decimal(2), max_points_per_member=1000, name="Double")
    await record_purchase(member.id, "F-1", Decimal("100"), utcnow())
    await refund_purchase("F-1", Decimal("30"), utcnow())
    await refund_purchase("F-1", Decimal("70"), utcnow())
    assert (await _entries(member.id))[2:] == [
        ("REVERSAL", -30, "Refund 30.00 of F-1"),
        ("REVERSAL", -30, "Refund 30.00 of F-1 (Double)"),
        ("REVERSAL", -70, "Refund 70.00 of F-1"),
        ("REVERSAL", -70, "Refund 70.00 of F-1 (Double)"),
    ]
    assert (await Campaign.get(id=campaign.id)).points_issued == 0
    held = await CampaignMember.get(campaign_id=campaign.id, member_id=member.id)
    assert held.points == 0
    assert (await type(member).get(id=member.id)).points_balance == 0


async def test_campaign_points_expire_with_the_purchases():
    member = await make_member()
    await approved(bonus_points=25)
    occurred = utcnow() - timedelta(days=5)
    await record_purchase(member.id, "X-1", Decimal("10"), utcnow(), occurred_at=occurred)
    earned = await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.EARN)
    assert len({entry.expires_at for entry in earned}) == 1
    await run_points_expiry(earned[0].expires_at + timedelta(seconds=1))
    expired = await PointsEntry.get(member_id=member.id, kind=PointsEntryKind.EXPIRE)
    assert expired.points == -35
