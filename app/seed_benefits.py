"""Demo benefits over the tier ladder (app/seed.py TIER_LADDER), written through the service."""

from __future__ import annotations

from datetime import timedelta

from app.seed import TIER_LADDER
from models.benefit import Benefit
from models.enums import BenefitCategory, BenefitPeriod
from services.benefits import BenefitFields, upsert_benefit
from services.clock import utcnow

ALL_TIERS = tuple(code for code, *_ in TIER_LADDER)  # REGULAR, SILVER, GOLD, PLATINUM, DIAMOND
SILVER_UP = ALL_TIERS[1:]
GOLD_UP = ALL_TIERS[2:]
PLATINUM_UP = ALL_TIERS[3:]
# How long the demo's member event stays open from the day it is seeded.
EVENT_DAYS = 90


def catalogue() -> list[BenefitFields]:
    now = utcnow()
    return [
        BenefitFields(
            "POINTS-TOTE",
            "积分兑换：定制帆布袋",
            BenefitCategory.POINTS,
            ALL_TIERS,
            description="500 积分兑换品牌帆布袋一只。",
            points_cost=500,
            usage_limit=2,
            usage_period=BenefitPeriod.MONTH,
        ),
        BenefitFields(
            "POINTS-COUPON-20",
            "积分兑换：满200减20券",
            BenefitCategory.POINTS,
            SILVER_UP,
            description="1,000 积分兑换满 200 元减 20 元优惠券。",
            points_cost=1000,
            usage_limit=4,
            usage_period=BenefitPeriod.MONTH,
        ),
        BenefitFields(
            "DISCOUNT-5",
            "银卡会员 95 折",
            BenefitCategory.DISCOUNT,
            ("SILVER",),
            description="正价商品 95 折。",
            discount_percent=5,
        ),
        BenefitFields(
            "DISCOUNT-10",
            "金卡及白金会员 9 折",
            BenefitCategory.DISCOUNT,
            ("GOLD", "PLATINUM"),
            description="正价商品 9 折。",
            discount_percent=10,
        ),
        BenefitFields(
            "DISCOUNT-15",
            "钻石会员 85 折",
            BenefitCategory.DISCOUNT,
            ("DIAMOND",),
            description="正价商品 85 折。",
            discount_percent=15,
        ),
        BenefitFields(
            "PRIORITY-SHIPPING",
            "优先发货",
            BenefitCategory.PRIORITY_SERVICE,
            SILVER_UP,
            description="订单优先出库。",
        ),
        BenefitFields(
            "SERVICE-HOTLINE",
            "专属客服通道",
            BenefitCategory.PRIORITY_SERVICE,
            GOLD_UP,
            description="专属客服热线，优先接入。",
        ),
        BenefitFields(
            "BIRTHDAY-GIFT",
            "生日礼包",
            BenefitCategory.BIRTHDAY,
            ALL_TIERS,
            description="生日当月领取生日礼包一份。",
            usage_limit=1,
            usage_period=BenefitPeriod.YEAR,
        ),
        BenefitFields(
            "BIRTHDAY-CAKE",
            "生日蛋糕券",
            BenefitCategory.BIRTHDAY,
            PLATINUM_UP,
            description="生日当月领取蛋糕券一张。",
            usage_limit=1,
            usage_period=BenefitPeriod.YEAR,
        ),
        BenefitFields(
            "MEMBER-GALA",
            "年度会员答谢晚宴",
            BenefitCategory.EXCLUSIVE_EVENT,
            PLATINUM_UP,
            description="年度答谢晚宴席位一个。",
            usage_limit=1,
            usage_period=BenefitPeriod.LIFETIME,
            active_from=now,
            active_until=now + timedelta(days=EVENT_DAYS),
        ),
        BenefitFields(
            "STYLIST",
            "专属穿搭顾问",
            BenefitCategory.PERSONALIZED,
            ("DIAMOND",),
            description="每季度一次一对一穿搭咨询。",
            usage_limit=1,
            usage_period=BenefitPeriod.QUARTER,
        ),
    ]


async def seed() -> None:
    """Create the demo catalogue, or bring an earlier seed's benefits back to it."""
    existing = dict(await Benefit.all().values_list("code", "id"))
    for fields in catalogue():
        await upsert_benefit(existing.get(fields.code), fields)
