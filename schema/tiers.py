"""Tiers: the ladder members climb, their tier history and qualification."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, methodcaller

import strawberry
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.enums import MemberStatus
from models.member import Member as MemberModel
from models.tier import Tier as TierModel
from models.tier import TierChange as TierChangeModel
from schema.benefits import Benefit, benefits_by_tier_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import TierChangeReason
from schema.ids import to_global_id
from schema.keyed_pages import pages_by_parent
from schema.pagination import Window
from schema.prefetch import relation
from services import limits
from services import tiers as service
from services.clock import utcnow

# ---------------------------------------------------------------- batch functions and relations


async def member_counts_by_tier_id(keys: Sequence[int]) -> list[int]:
    """Members holding each tier, the terminated left out: one grouped query."""
    rows = (
        await MemberModel.filter(tier_id__in=set(keys))
        .exclude(status=MemberStatus.TERMINATED)
        .annotate(members=Count("id"))
        .group_by("tier_id")
        .values("tier_id", "members")
    )
    counts = {row["tier_id"]: int(row["members"]) for row in rows}
    return [counts.get(key, 0) for key in keys]


def _tier_changes(_: None) -> QuerySet[TierChangeModel]:
    return TierChangeModel.all()


# A page reads one row more than its limit (to tell whether more follow).
_NEWEST_CHANGES = Window(offset=0, limit=limits.TIER_HISTORY - 1)


async def tier_changes_by_member_id(keys: Sequence[int]) -> list[list[TierChangeModel]]:
    """Each member's newest changes, oldest first: a long history is not read whole."""
    pages = await pages_by_parent(
        _tier_changes, None, "member_id", ("-at", "-id"), keys, _NEWEST_CHANGES
    )
    return [pages[key][::-1] for key in keys]


async def qualifying_by_member_id(keys: Sequence[int]) -> list[service.Qualifying]:
    """Qualifying spend and orders for the window ending now, per member: one grouped query."""
    found = await service.qualifying_for(list(set(keys)), utcnow())
    return [found.get(key, service.Qualifying()) for key in keys]


# ---------------------------------------------------------------- types


_tier_by_id = attrgetter("tier_by_id")
_qualifying = methodcaller("get", qualifying_by_member_id)
_FROM = relation("TierChange", "from", _tier_by_id, "from_tier_id")
_TO = relation("TierChange", "to", _tier_by_id, "to_tier_id")
_TIER = relation("Member", "tier", _tier_by_id, "tier_id")
_HISTORY = relation("Member", "tierHistory", methodcaller("get", tier_changes_by_member_id), "id")
_SPEND = relation("Member", "qualifyingSpend", _qualifying, "id", attrgetter("spend"))
_ORDERS = relation("Member", "qualifyingOrders", _qualifying, "id", attrgetter("orders"))


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

    @strawberry.field
    async def benefits(self, info: Info) -> list[Benefit]:
        return await info.context.loaders.get(benefits_by_tier_id).load(self.id)  # type: ignore[return-value]

    @strawberry.field
    async def member_count(self, info: Info) -> int | None:
        return await info.context.loaders.get(member_counts_by_tier_id).load(self.id)


@model_type(TierChangeModel)
class TierChange:
    reason: TierChangeReason
    at: datetime
    note: str | None

    @strawberry.field(name="from")
    def from_(self, info: Info) -> Tier | None:
        return _FROM.resolve(self, info)

    @strawberry.field
    def to(self, info: Info) -> Tier:
        return _TO.resolve(self, info)


@strawberry.type
class MemberTierFields:
    """Member fields of tiers, joined into Member (schema/members.py)."""

    @strawberry.field
    def tier(self, info: Info) -> Tier:
        return _TIER.resolve(self, info)

    @strawberry.field
    def tier_history(self, info: Info) -> list[TierChange] | None:
        return _HISTORY.resolve(self, info)

    @strawberry.field(description="Spend inside the current tier-qualification window.")
    def qualifying_spend(self, info: Info) -> Decimal | None:
        return _SPEND.resolve(self, info)

    @strawberry.field
    def qualifying_orders(self, info: Info) -> int | None:
        return _ORDERS.resolve(self, info)


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class TierInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Present to update, absent to create."
    )
    code: str
    name: str
    rank: int
    min_spend: Decimal
    min_orders: int
    points_multiplier: float
    description: str | None = None


@strawberry.type
class TierPayload:
    tier: Tier | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class SetMemberTierInput:
    member_id: strawberry.ID
    tier_code: str
    note: str
