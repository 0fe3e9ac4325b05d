"""Demo data for `memberhub seed-demo`: staff of every role and the tier ladder here;
members, purchases, tags, cases and requests awaiting review in the app/seed_*.py
modules, always through services.

The demo fills a database that holds no member and no application yet; on any other it
changes nothing (a second run would add another set of members beside the first, and
demo members have no place among real ones).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models.enums import MemberStatus, Role
from models.member import Member, MembershipApplication
from models.staff import StaffUser
from models.tier import Tier
from services import staff as staff_service
from services.clock import utcnow
from services.members.enrollment import member_no_of

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


async def seed_demo(members: int) -> str:
    """Seed `members` members (the first the demo member who signs in) and the rest of
    the demo, on a database without members or applications. What was done (or why
    nothing was), with the credentials to sign in: lines to show the operator."""
    from app import (
        seed_benefits,
        seed_communications,
        seed_members,
        seed_points,
        seed_requests,
        seed_tags,
    )

    held = await Member.all().count(), await MembershipApplication.all().count()
    if any(held):
        return (
            f"the database already holds {held[0]} members and {held[1]} membership "
            "applications: seed-demo changed nothing (it fills an empty database only)"
        )
    staff = await seed_staff()
    await seed_tiers()
    await seed_benefits.seed()
    member_ids: list[int] = []
    if members > 0:
        member_ids = [await seed_members.enroll_demo_member(DEMO_PASSWORD)]
        member_ids += await seed_members.seed(members - 1)
    await seed_points.seed(member_ids)
    await seed_tags.seed(member_ids, staff)
    await seed_communications.seed(member_ids, staff)
    applications, changes = await seed_requests.seed(member_ids, staff)
    lines = [
        f"demo data ready: {len(member_ids)} members, {applications} pending applications, "
        f"{changes} pending profile changes",
        "staff users " + ", ".join(s.username for s in staff) + f" with password {DEMO_PASSWORD!r}",
    ]
    if member_ids:
        member_no = member_no_of(member_ids[0])
        lines.append(
            f"member {member_no}, phone {seed_members.DEMO_PHONE}, with password "
            f"{DEMO_PASSWORD!r} (memberLogin takes either as identifier)"
        )
    return "\n".join(lines)
