"""Tiers: the ladder members climb."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from models.tier import Tier as TierModel
from models.tier import TierChange as TierChangeModel
from schema.common import Node, model_type
from schema.enums import TierChangeReason
from schema.ids import to_global_id


@model_type(TierModel)
class Tier(Node):
    code: str
    name: str
    rank: int = strawberry.field(description="0 is the entry tier; higher is better.")
    min_spend: Decimal = strawberry.field(
        description="Qualifying spend within the window needed to reach or keep this tier."
    )
    min_orders: int
    description: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Tier", self.id))

    @strawberry.field(
        description="Multiplier applied to base points earned by members of this tier."
    )
    def points_multiplier(self) -> float:
        return float(self.points_multiplier)


@model_type(TierChangeModel)
class TierChange:
    reason: TierChangeReason
    at: datetime
    note: str | None

    @strawberry.field(name="from")
    async def from_(self, info: strawberry.Info) -> Tier | None:
        if self.from_tier_id is None:
            return None
        return await info.context.loaders.tier_by_id.load(self.from_tier_id)

    @strawberry.field
    async def to(self, info: strawberry.Info) -> Tier:
        return await info.context.loaders.tier_by_id.load(self.to_tier_id)


@strawberry.type
class MemberTierFields:
    """Member fields of tiers, joined into Member (schema/members.py)."""
