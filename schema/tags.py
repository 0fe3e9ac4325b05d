"""Types of customer tags: definitions, a member's tags, and the tag mutations' inputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from tortoise.functions import Count

from core.ids import to_global_id
from models.tag import MemberTag as MemberTagModel
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.loaders import group_by
from resolvers.tags import tag_by_id
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import TagCategory, TagSource, TagStatus
from schema.staff import StaffUser
from shortcuts import relation, rows_in

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]


async def member_counts_by_tag_id(keys: Sequence[int]) -> list[int]:
    rows = (
        await MemberTagModel.filter(tag_id__in=set(keys))
        .annotate(n=Count("id"))
        .group_by("tag_id")
        .values_list("tag_id", "n")
    )
    counts = dict(rows)
    return [counts.get(key, 0) for key in keys]


async def tags_by_member_id(keys: Sequence[int]) -> list[list[MemberTagModel]]:
    rows = await rows_in(MemberTagModel, "member_id", keys, ("assigned_at", "id"))
    return group_by(rows, "member_id", keys)


async def _staff(info: Info, staff_id: int | None) -> StaffUser | None:
    if staff_id is None:
        return None
    return await info.context.loaders.staff_by_id.load(staff_id)


@model_type(
    TagDefinitionModel,
    description="A customer tag: assigned by staff (manual) or computed from its rule. It "
    "becomes ACTIVE only once a staff member other than its proposer approves it.",
)
class TagDefinition(Node):
    code: str = strawberry.field(description="Unique code, e.g. VIP.")
    name: str = strawberry.field(description="Name shown to staff.")
    category: TagCategory = strawberry.field(description="The tag's family.")
    description: str | None = strawberry.field(description="What the tag means, if given.")
    status: TagStatus = strawberry.field(description="Review state.")
    rule: JSON | None = strawberry.field(
        description="Declarative rule (see the rule language); null for manual tags."
    )
    error_rate: float = strawberry.field(
        description="Share of assignments reported wrong: errors / assignments ever made."
    )

    @strawberry.field(description="Global ID of the tag definition.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("TagDefinition", self.id))

    @strawberry.field(description="Who proposed it.")
    async def created_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.created_by_id)

    @strawberry.field(description="Who approved or rejected it; null while PENDING_REVIEW.")
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.reviewed_by_id)

    @strawberry.field(description="Members carrying the tag now.")
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.get(member_counts_by_tag_id).load(self.id)


@model_type(MemberTagModel, description="A tag on a member.")
class MemberTag:
    source: TagSource = strawberry.field(description="Assigned by staff or computed by rule.")
    assigned_at: datetime = strawberry.field(description="When the member got it (UTC).")

    # A loader, not a join: a page carries a few definitions but many assignments.
    tag: TagDefinition = relation(methodcaller("get", tag_by_id), "tag_id", description="The tag.")
    assigned_by: StaffUser | None = relation(
        attrgetter("staff_by_id"),
        "assigned_by_id",
        description="The staff user who assigned a MANUAL tag; null for RULE.",
    )


@strawberry.type
class MemberTagsFields:
    """Member fields of customer tags, joined into Member (schema/members.py)."""

    tags: list[MemberTag] | None = relation(
        methodcaller("get", tags_by_member_id),
        "id",
        description="The member's tags, oldest assignment first.",
    )


@strawberry.input(description="A proposed tag definition.")
class TagDefinitionInput:
    code: str = strawberry.field(
        description="Unique code: 1 to 64 letters, digits or _ . : -, starting with a letter "
        "or digit."
    )
    name: str = strawberry.field(description="Name, 1 to 128 characters.")
    category: TagCategory = strawberry.field(description="The tag's family.")
    description: str | None = strawberry.field(
        default=None, description="What the tag means, up to 2,000 characters."
    )
    rule: JSON | None = strawberry.field(
        default=None,
        description='Omit for a manual tag. A rule tag\'s rule: {"all": [...]}, {"any": '
        '[...]}, {"not": ...} over conditions {"field": F, "op": OP, "value": V}; ops eq, ne, '
        "gt, gte, lt, lte, between ([low, high]), in ([...]); fields age, gender, region, "
        "tierRank, pointsBalance, lifetimeSpend, spendLast365d, ordersLast30d, ordersLast90d, "
        "daysSinceLastPurchase, daysSinceJoined. Unknown fields or ops are INVALID.",
    )


@strawberry.type(description="Result of a tag definition mutation.")
class TagDefinitionPayload:
    tag: TagDefinition | None = strawberry.field(
        default=None, description="The tag definition as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A member and a manual tag to put on or take off them.")
class AssignTagInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    tag_code: str = strawberry.field(description="Code of an ACTIVE manual tag.")
    note: str | None = strawberry.field(
        default=None, description="Why, up to 2,000 characters (assignTag only)."
    )


@strawberry.type(description="Result of assignTag, removeTag and reportTagError.")
class MemberTagsPayload:
    member: MemberRef | None = strawberry.field(
        default=None, description="The member with their tags after the change."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A tag wrongly on a member.")
class ReportTagErrorInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    tag_code: str = strawberry.field(description="Code of the tag the member carries wrongly.")
    note: str = strawberry.field(description="What is wrong, up to 2,000 characters.")
