"""Builders of the benefits tests: benefits through the service, points through the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models.benefit import Benefit
from models.enums import BenefitCategory, PointsEntryKind
from services.benefits import BenefitFields, upsert_benefit
from services.clock import utcnow
from services.points import post_entry
from tests.factories import make_tiers

USE = """
mutation($input: UseBenefitInput!) {
  useBenefit(input: $input) {
    usage { id usedAt pointsSpent note revoked benefit { code } member { memberNo } }
    errors { field code message }
  }
}
"""


async def make_benefit(
    code: str = "LOUNGE",
    *,
    category: BenefitCategory = BenefitCategory.PRIORITY_SERVICE,
    tier_codes: tuple[str, ...] = ("REGULAR", "SILVER", "GOLD"),
    **values: Any,
) -> Benefit:
    await make_tiers()
    return await upsert_benefit(
        None,
        BenefitFields(
            code=code, name=code.title(), category=category, tier_codes=tier_codes, **values
        ),
    )


async def give_points(member_id: int, points: int, now: datetime | None = None) -> None:
    async with in_transaction() as conn:
        await post_entry(
            conn, member_id, PointsEntryKind.ADJUST, points, now or utcnow(), reason="test"
        )


def use_input(code: str, key: str, member_gid: str | None = None, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"benefitCode": code, "idempotencyKey": key, **extra}
    if member_gid is not None:
        values["memberId"] = member_gid
    return {"input": values}
