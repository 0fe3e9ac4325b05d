"""Types of benefits and their usages, and the batch functions that load them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.queryset import QuerySet

from models.benefit import Benefit as BenefitModel
from models.benefit import BenefitUsage as BenefitUsageModel
from models.member import Member as MemberModel
from models.tier import Tier as TierModel
from resolvers.loaders import by_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import BenefitCategory, BenefitPeriod
from schema.ids import to_global_id
from schema.keyed_pages import CountKey, PageKey, load_counts, load_pages
from schema.pagination import After, Connection, First, Window, connection_for
from schema.prefetch import relation
from services import benefits as service
from services.clock import utcnow

if TYPE_CHECKING:
    from schema.members import Member
    from schema.tiers import Tier


# ---------------------------------------------------------------- batch functions


async def benefits_by_tier_id(tier_ids: Sequence[int]) -> list[list[BenefitModel]]:
    return await service.benefits_of_tiers(tier_ids, utcnow())


async def tiers_by_benefit_id(benefit_ids: Sequence[int]) -> list[list[TierModel]]:
    return await service.tiers_of_benefits(benefit_ids)


async def eligibility_by_member(members: Sequence[MemberModel]) -> list[list[BenefitEligibility]]:
    standings = await service.eligibility_for(members, utcnow())
    return [[BenefitEligibility.of(standing) for standing in row] for row in standings]


benefit_by_id = by_id(BenefitModel)
USAGE_ORDER = ("-used_at", "-id")


def _all_usages(_: None) -> QuerySet[BenefitUsageModel]:
    return BenefitUsageModel.all()


async def usage_pages_by_member(keys: Sequence[PageKey[None]]) -> list[list[BenefitUsageModel]]:
    return await load_pages(keys, _all_usages, "member_id", USAGE_ORDER)


async def usage_counts_by_member(keys: Sequence[CountKey[None]]) -> list[int]:
    return await load_counts(keys, _all_usages, "member_id")


# ---------------------------------------------------------------- types


@model_type(BenefitModel)
class Benefit(Node):
    code: str
    name: str
    category: BenefitCategory
    description: str | None
    discount_percent: float | None = strawberry.field(
        description="Percent off for DISCOUNT benefits."
    )
    points_cost: int = strawberry.field(description="Points a use costs (0 for free benefits).")
    usage_limit: int | None = strawberry.field(
        description="Uses allowed per member per period; null for unlimited."
    )
    usage_period: BenefitPeriod | None
    active_from: datetime | None
    active_until: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Benefit", self.id))

    @strawberry.field
    async def tiers(self, info: Info) -> list[Annotated[Tier, strawberry.lazy("schema.tiers")]]:
        return await info.context.loaders.get(tiers_by_benefit_id).load(self.id)  # type: ignore[no-any-return]

    @strawberry.field
    def active(self) -> bool:
        return service.is_active(self, utcnow())  # type: ignore[arg-type]


@strawberry.type
class BenefitEligibility:
    benefit: Benefit
    eligible: bool
    reason: str | None = strawberry.field(
        description="Why not, when not eligible: e.g. TIER, LIMIT_REACHED, NOT_BIRTHDAY, "
        "INACTIVE, SUSPENDED, INSUFFICIENT_POINTS."
    )
    uses_left: int | None

    @classmethod
    def of(cls, standing: service.Eligibility) -> BenefitEligibility:
        return cls(
            benefit=standing.benefit,  # type: ignore[arg-type]
            eligible=standing.eligible,
            reason=standing.reason,
            uses_left=standing.uses_left,
        )


@model_type(BenefitUsageModel)
class BenefitUsage(Node):
    used_at: datetime
    points_spent: int
    note: str | None
    revoked: bool
    revoked_reason: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("BenefitUsage", self.id))

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit:
        return await info.context.loaders.get(benefit_by_id).load(self.benefit_id)  # type: ignore[no-any-return]

    @strawberry.field
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy("schema.members")]:
        return await info.context.loaders.member_by_id.load(self.member_id)  # type: ignore[return-value]


_BENEFITS = relation(
    "Member", "benefits", methodcaller("get", eligibility_by_member), lambda row: row
)


@strawberry.type
class MemberBenefitsFields:
    """Member fields of benefits and their usages, joined into Member (schema/members.py)."""

    @strawberry.field(description="Benefits of the member's tier with current eligibility.")
    def benefits(self, info: Info) -> list[BenefitEligibility] | None:
        return _BENEFITS.resolve(self, info)

    @strawberry.field
    async def benefit_usages(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[BenefitUsage] | None:
        window = Window.of(first, after)
        loaders = info.context.loaders
        rows = await loaders.get(usage_pages_by_member).load((self.id, None, window))  # type: ignore[attr-defined]

        async def total() -> int:
            return await loaders.get(usage_counts_by_member).load((self.id, None))  # type: ignore[attr-defined]

        return await connection_for(info, rows, window, total)


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class BenefitInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Present to update, absent to create."
    )
    code: str
    name: str
    category: BenefitCategory
    description: str | None = None
    discount_percent: float | None = None
    points_cost: int | None = None
    usage_limit: int | None = None
    usage_period: BenefitPeriod | None = None
    tier_codes: list[str]
    active_from: datetime | None = None
    active_until: datetime | None = None


@strawberry.type
class BenefitPayload:
    benefit: Benefit | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class UseBenefitInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    benefit_code: str
    idempotency_key: str
    note: str | None = None


@strawberry.type
class BenefitUsagePayload:
    usage: BenefitUsage | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class RevokeBenefitUsageInput:
    id: strawberry.ID
    reason: str
