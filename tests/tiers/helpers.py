"""Builders the tiers tests share: purchases written as rows, so a test sets up only spend."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from models.member import Member
from models.points import Purchase
from services.clock import utcnow

_refs = itertools.count(1)


async def purchase(
    member: Member, amount: str, occurred_at: datetime, refunded: str = "0"
) -> Purchase:
    return await Purchase.create(
        order_ref=f"TIER-{next(_refs)}",
        member=member,
        amount=Decimal(amount),
        refunded_amount=Decimal(refunded),
        occurred_at=occurred_at,
        created_at=utcnow(),
    )
