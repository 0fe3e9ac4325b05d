"""Small record builders for tests: rows written directly, so a test sets up only what it needs.

Domain test folders add their own builders beside their tests; behaviour under test is
always exercised through GraphQL or the services, never through these.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.seed import seed_tiers
from models.enums import EnrollmentChannel, Gender, MemberStatus
from models.member import Member
from models.points import Purchase
from models.tier import Tier
from services import crypto
from services.clock import utcnow

_numbers = itertools.count(1)


async def make_tiers() -> list[Tier]:
    """The demo ladder, REGULAR (rank 0) to DIAMOND."""
    return await seed_tiers()


async def make_member(
    *,
    tier: Tier | None = None,
    name: str = "张三",
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = "11010519491231002X",
    birth_date: date | None = date(1990, 5, 17),
    joined_at: datetime | None = None,
    status: MemberStatus = MemberStatus.ACTIVE,
    **extra: Any,
) -> Member:
    n = next(_numbers)
    if tier is None:
        tier = (await make_tiers())[0]
    return await Member.create(
        member_no=f"T{n:08d}",
        status=status,
        enrollment_channel=EnrollmentChannel.APP,
        joined_at=joined_at or utcnow(),
        name=name,
        gender=Gender.MALE,
        birth_date=birth_date,
        phone=phone or f"139{n:08d}",
        email=email or f"member{n}@example.com",
        address="北京市朝阳区建国路1号",
        id_number_enc=crypto.encrypt(id_number),
        id_number_hash=crypto.lookup_hash(id_number),
        tier=tier,
        **{"lifetime_spend": Decimal("0"), **extra},
    )


async def make_purchase(
    member: Member, amount: str, occurred_at: datetime, refunded: str = "0"
) -> Purchase:
    """A purchase row as it stands, without the ledger: for tests of spend alone."""
    return await Purchase.create(
        order_ref=f"ROW-{next(_numbers)}",
        member=member,
        amount=Decimal(amount),
        refunded_amount=Decimal(refunded),
        occurred_at=occurred_at,
        created_at=utcnow(),
    )
