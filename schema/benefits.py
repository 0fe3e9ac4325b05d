"""Types of benefits and their usages, and the batch functions that load them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.benefit import Benefit as BenefitModel
from models.benefit import BenefitUsage as BenefitUsageModel
from models.member import Member as MemberModel
from models.tier import Tier as TierModel
from resolvers.loaders import by_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import BenefitCategory, BenefitPeriod
from schema.pagination import After, Connection, First, Window, connection_for
from services import benefits as service
from services.clock import utcnow
from shortcuts import CountKey, PageKey, load_counts, load_pages, relation

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


@model_type(
    BenefitModel,
    description="A benefit of the catalogue, held by the tiers it lists. Readable by everyone.",
)
class Benefit(Node):
    code: str = strawberry.field(description="Unique code in capitals, e.g. BIRTHDAY_GIFT.")
    name: str = strawberry.field(description="Name shown to members.")
    category: BenefitCategory = strawberry.field(description="The kind of benefit.")
    description: str | None = strawberry.field(description="Text for members, if any.")
    discount_percent: float | None = strawberry.field(
        description="Percent off for DISCOUNT benefits."
    )
    points_cost: int = strawberry.field(description="Points a use costs (0 for free benefits).")
    usage_limit: int | None = strawberry.field(
        description="Uses allowed per member per period; null for unlimited."
    )
    usage_period: BenefitPeriod | None = strawberry.field(
        description="The calendar period usageLimit counts over; null when unlimited."
    )
    active_from: datetime | None = strawberry.field(
        description="When it becomes usable (UTC); null: since always."
    )
    active_until: datetime | None = strawberry.field(
        description="When it stops being usable (UTC, exclusive); null: no end."
    )

    @strawberry.field(description="Global ID of the benefit.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Benefit", self.id))

    @strawberry.field(description="The tiers holding it, lowest rank first.")
    async def tiers(self, info: Info) -> list[Annotated[Tier, strawberry.lazy("schema.tiers")]]:
        return await info.context.loaders.get(tiers_by_benefit_id).load(self.id)

    @strawberry.field(description="Whether now lies within activeFrom and activeUntil.")
    def active(self) -> bool:
        return service.is_active(self, utcnow())  # type: ignore[arg-type]


@strawberry.type(description="Whether a member may use one of their tier's benefits now.")
class BenefitEligibility:
    benefit: Benefit = strawberry.field(description="The benefit.")
    eligible: bool = strawberry.field(description="True when useBenefit would accept it now.")
    reason: str | None = strawberry.field(
        description="Why not, when not eligible: e.g. TIER, LIMIT_REACHED, NOT_BIRTHDAY, "
        "INACTIVE, SUSPENDED, INSUFFICIENT_POINTS."
    )
    uses_left: int | None = strawberry.field(
        description="Uses left in the current period; null when the benefit is unlimited."
    )

    @classmethod
    def of(cls, standing: service.Eligibility) -> BenefitEligibility:
        return cls(
            benefit=standing.benefit,  # type: ignore[arg-type]
            eligible=standing.eligible,
            reason=standing.reason,
            uses_left=standing.uses_left,
        )


@model_type(BenefitUsageModel, description="One use of a benefit by a member (useBenefit).")
class BenefitUsage(Node):
    used_at: datetime = strawberry.field(description="When it was used (UTC).")
    points_spent: int = strawberry.field(description="Points it cost (its REDEEM entry).")
    note: str | None = strawberry.field(description="Note given with the use, if any.")
    revoked: bool = strawberry.field(
        description="True once revoked: its points were refunded and it no longer counts "
        "against the usage limit."
    )
    revoked_reason: str | None = strawberry.field(description="Why it was revoked.")

    @strawberry.field(description="Global ID of the usage.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("BenefitUsage", self.id))

    @strawberry.field(description="The benefit used.")
    async def benefit(self, info: Info) -> Benefit:
        return await info.context.loaders.get(benefit_by_id).load(self.benefit_id)

    @strawberry.field(description="The member who used it.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy("schema.members")]:
        return await info.context.loaders.member_by_id.load(self.member_id)


@strawberry.type
class MemberBenefitsFields:
    """Member fields of benefits and their usages, joined into Member (schema/members.py)."""

    benefits: list[BenefitEligibility] | None = relation(
        methodcaller("get", eligibility_by_member),
        lambda row: row,
        description="Benefits of the member's tier with current eligibility.",
    )

    @strawberry.field(description="The member's benefit uses, newest first (revoked ones too).")
    async def benefit_usages(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[BenefitUsage] | None:
        window = Window.of(first, after)
        loaders = info.context.loaders
        rows = await loaders.get(usage_pages_by_member).load((self.id, None, window))

        async def total() -> int:
            return await loaders.get(usage_counts_by_member).load((self.id, None))

        return await connection_for(info, rows, window, total)


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(description="A benefit to create or update.")
class BenefitInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Present to update, absent to create."
    )
    code: str = strawberry.field(
        description="Unique code: 1 to 64 letters, digits, hyphens or underscores, stored in "
        "capitals."
    )
    name: str = strawberry.field(description="Name, 1 to 128 characters.")
    category: BenefitCategory = strawberry.field(description="The kind of benefit.")
    description: str | None = strawberry.field(
        default=None, description="Text for members (free text)."
    )
    discount_percent: float | None = strawberry.field(
        default=None, description="Percent off, 0 to 100; required for DISCOUNT."
    )
    points_cost: int | None = strawberry.field(
        default=None,
        description="Points a use costs, 0 to 100,000,000 (default 0); required for POINTS.",
    )
    usage_limit: int | None = strawberry.field(
        default=None,
        description="Uses per member per period, 1 to 1,000,000; null for unlimited. "
        "Required for BIRTHDAY.",
    )
    usage_period: BenefitPeriod | None = strawberry.field(
        default=None, description="The period usageLimit counts over; given with usageLimit."
    )
    tier_codes: list[str] = strawberry.field(
        description="Codes of the tiers that hold it, at least one."
    )
    active_from: datetime | None = strawberry.field(
        default=None, description="When it becomes usable; default: at once."
    )
    active_until: datetime | None = strawberry.field(
        default=None,
        description="When it stops (exclusive), after activeFrom; required for EXCLUSIVE_EVENT.",
    )


@strawberry.type(description="Result of upsertBenefit.")
class BenefitPayload:
    benefit: Benefit | None = strawberry.field(
        default=None, description="The benefit as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A use of a benefit.")
class UseBenefitInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    benefit_code: str = strawberry.field(description="Code of the benefit to use.")
    idempotency_key: str = strawberry.field(
        description="1 to 128 characters, unique per member: repeating it returns the first "
        "usage and moves nothing."
    )
    note: str | None = strawberry.field(default=None, description="A note on the use.")


@strawberry.type(description="Result of useBenefit and revokeBenefitUsage.")
class BenefitUsagePayload:
    usage: BenefitUsage | None = strawberry.field(
        default=None, description="The usage as it now stands; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A benefit use to revoke.")
class RevokeBenefitUsageInput:
    id: strawberry.ID = strawberry.field(description="The usage.")
    reason: str = strawberry.field(description="Why (required).")
