"""Tiers: the ladder members climb, their tier history and qualification."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, methodcaller

import strawberry
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.enums import MemberStatus
from models.member import Member as MemberModel
from models.tier import Tier as TierModel
from models.tier import TierChange as TierChangeModel
from schema.benefits import Benefit, benefits_by_tier_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import TierChangeReason
from schema.pagination import Window
from services import limits
from services import tiers as service
from services.clock import utcnow
from shortcuts import pages_by_parent, reads, relation

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


async def progress_by_member_and_tier(keys: Sequence[tuple[int, int]]) -> list[service.Progress]:
    """Tier progress per (member id, tier id) as of now: the ladder and the page's window
    purchases read once."""
    return await service.progress_of(keys, utcnow())


# ---------------------------------------------------------------- types


_tier_by_id = attrgetter("tier_by_id")
_qualifying = methodcaller("get", qualifying_by_member_id)


@model_type(
    TierModel,
    description="A membership tier (e.g. silver, gold, diamond). A member is promoted at "
    "once when a purchase brings their qualifying spend and orders up to a higher tier, and "
    "demoted only by the tier evaluation job. Readable by everyone.",
)
class Tier(Node):
    code: str = strawberry.field(description="Unique code in capitals, e.g. GOLD.")
    name: str = strawberry.field(description="Name shown to members.")
    rank: int = strawberry.field(description="0 is the entry tier; higher is better.")
    min_spend: Decimal = strawberry.field(
        description="Qualifying spend within the window needed to reach or keep this tier."
    )
    min_orders: int = strawberry.field(
        description="Qualifying orders within the window needed to reach or keep this tier."
    )
    description: str | None = strawberry.field(description="Text for members, if any.")

    @strawberry.field(description="Global ID of the tier.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Tier", self.id))

    @strawberry.field(
        description="Multiplier applied to base points earned by members of this tier."
    )
    def points_multiplier(self) -> float:
        return float(self.points_multiplier)

    @strawberry.field(description="Benefits members of this tier hold.")
    async def benefits(self, info: Info) -> list[Benefit]:
        return await info.context.loaders.get(benefits_by_tier_id).load(self.id)

    @strawberry.field(description="Members in this tier now, terminated members left out.")
    async def member_count(self, info: Info) -> int | None:
        return await info.context.loaders.get(member_counts_by_tier_id).load(self.id)


@model_type(TierChangeModel, description="One change of a member's tier.")
class TierChange:
    reason: TierChangeReason = strawberry.field(description="Why the tier changed.")
    at: datetime = strawberry.field(description="When it changed (UTC).")
    note: str | None = strawberry.field(description="Staff's note on a MANUAL change.")

    from_: Tier | None = relation(
        _tier_by_id, "from_tier_id", name="from", description="The tier before; null on ENROLLMENT."
    )
    to: Tier = relation(_tier_by_id, "to_tier_id", description="The tier after.")


@strawberry.type(
    description="How far the member is from the next tier, and from keeping theirs at the "
    "next tier evaluation, by the rules promotion and evaluation use."
)
class TierProgress:
    next_tier: Tier | None = strawberry.field(
        description="The tier ranked just above the member's; null at the top of the ladder."
    )
    spend_to_next: Decimal | None = strawberry.field(
        description="Qualifying spend the current window still lacks for nextTier's minSpend "
        "(0 when met); null at the top."
    )
    orders_to_next: int | None = strawberry.field(
        description="Qualifying orders the current window still lacks for nextTier's "
        "minOrders (0 when met); null at the top."
    )
    keep_by: datetime | None = strawberry.field(
        description="The next tier evaluation (UTC), which demotes a member below their tier's "
        "criteria; null while MEMBERHUB_SCHEDULE_TIER_EVALUATION is off."
    )
    spend_to_keep: Decimal | None = strawberry.field(
        description="Spend still needed so that the window ending at keepBy meets the current "
        "tier's minSpend, counting the purchases made so far that will still lie in it (0 when "
        "met, and at the entry tier); null when keepBy is."
    )
    orders_to_keep: int | None = strawberry.field(
        description="Orders still needed so that the window ending at keepBy meets the current "
        "tier's minOrders, likewise; null when keepBy is."
    )

    @classmethod
    def of(cls, progress: service.Progress) -> TierProgress:
        to_next, to_keep = progress.to_next, progress.to_keep
        return cls(
            next_tier=progress.next_tier,  # type: ignore[arg-type]  # the row is the type
            spend_to_next=None if to_next is None else to_next.spend,
            orders_to_next=None if to_next is None else to_next.orders,
            keep_by=progress.keep_by,
            spend_to_keep=None if to_keep is None else to_keep.spend,
            orders_to_keep=None if to_keep is None else to_keep.orders,
        )


@strawberry.type
class MemberTierFields:
    """Member fields of tiers, joined into Member (schema/members.py)."""

    tier: Tier = relation(_tier_by_id, "tier_id", description="The member's current tier.")
    tier_history: list[TierChange] | None = relation(
        methodcaller("get", tier_changes_by_member_id),
        "id",
        description="The member's tier changes, oldest first; of a long history only the "
        f"latest {limits.TIER_HISTORY - 1}.",
    )
    qualifying_spend: Decimal | None = relation(
        _qualifying,
        "id",
        attrgetter("spend"),
        description="Spend inside the current tier-qualification window (the last "
        "MEMBERHUB_TIER_WINDOW_MONTHS, default 12, up to now), net of refunds.",
    )
    qualifying_orders: int | None = relation(
        _qualifying,
        "id",
        attrgetter("orders"),
        description="Orders inside the current tier-qualification window; a fully refunded "
        "order does not count, a partly refunded one does.",
    )

    @strawberry.field(
        description="What the next tier still asks of the current window, and what keeping "
        "the current tier at the next evaluation still asks.",
        metadata=reads("id", "tier_id"),
    )
    async def tier_progress(self, info: Info) -> TierProgress | None:
        loader = info.context.loaders.get(progress_by_member_and_tier)
        return TierProgress.of(await loader.load((self.id, self.tier_id)))


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(
    description="A tier to create or update. The ladder must keep a rank-0 entry tier, and "
    "each higher rank must ask at least as much spend and orders as the one below, and more "
    "of one."
)
class TierInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Present to update, absent to create."
    )
    code: str = strawberry.field(
        description="Unique code: 1 to 32 letters, digits or underscores, stored in capitals."
    )
    name: str = strawberry.field(description="Name, 1 to 64 characters.")
    rank: int = strawberry.field(description="Unique rank, 0 (entry tier) to 1000.")
    min_spend: Decimal = strawberry.field(
        description="Qualifying spend needed in the window, 0 or more (rounded to cents)."
    )
    min_orders: int = strawberry.field(description="Qualifying orders needed in the window.")
    points_multiplier: float = strawberry.field(
        description="Multiplier of base points, greater than 0, at most two decimals."
    )
    description: str | None = strawberry.field(
        default=None, description="Text for members (free text)."
    )


@strawberry.type(description="Result of upsertTier.")
class TierPayload:
    tier: Tier | None = strawberry.field(
        default=None, description="The tier as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A manual tier placement.")
class SetMemberTierInput:
    member_id: strawberry.ID = strawberry.field(description="The member to place.")
    tier_code: str = strawberry.field(description="Code of the tier to place them in.")
    note: str = strawberry.field(description="Why, recorded on the tier change (required).")
