"""The demo's staff of every role and its tier ladder, and what the app/seed_*.py
modules share (app/seed_demo.py runs them all)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models.enums import MemberStatus, Role
from models.member import Member
from models.staff import StaffUser
from models.tier import Tier
from services import staff as staff_service
from services.clock import utcnow

DEMO_PASSWORD = "memberhub-demo"

# code, name, rank, minSpend, minOrders, multiplier
TIER_LADDER = [
    ("REGULAR", "普通", 0, Decimal("0"), 0, Decimal("1.00")),
    ("SILVER", "银卡", 1, Decimal("2000"), 2, Decimal("1.20")),
    ("GOLD", "金卡", 2, Decimal("8000"), 5, Decimal("1.50")),
    ("PLATINUM", "白金", 3, Decimal("20000"), 10, Decimal("1.80")),
    ("DIAMOND", "钻石", 4, Decimal("50000"), 20, Decimal("2.00")),
]


# Ids per query: PostgreSQL takes at most 32,767 parameters a statement.
ID_CHUNK = 10_000


async def living_members(member_ids: list[int], *columns: str) -> list[tuple[Any, ...]]:
    """`columns` of the given members who are not TERMINATED, in id order."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(member_ids), ID_CHUNK):
        chunk = member_ids[start : start + ID_CHUNK]
        living = Member.filter(id__in=chunk).exclude(status=MemberStatus.TERMINATED)
        rows += await living.values_list(*columns)
    return sorted(rows)


async def seed_staff() -> list[StaffUser]:
    now = utcnow()
    created = []
    for role in Role:
        if role is Role.MEMBER:
            continue
        username = role.value.lower()
        existing = await StaffUser.get_or_none(username=username)
        created.append(
            existing
            or await staff_service.create_staff_user(
                username, f"Demo {role.value.title()}", DEMO_PASSWORD, [role], now
            )
        )
    return created


async def seed_tiers() -> list[Tier]:
    tiers = []
    for code, name, rank, min_spend, min_orders, multiplier in TIER_LADDER:
        tier, _ = await Tier.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "min_spend": min_spend,
                "min_orders": min_orders,
                "points_multiplier": multiplier,
            },
        )
        tiers.append(tier)
    return tiers
