"""Types of customer tags: definitions, a member's tags, and the tag mutations' inputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from tortoise.functions import Count

from models.tag import MemberTag as MemberTagModel
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.loaders import by_id, group_by
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import TagCategory, TagSource, TagStatus
from schema.ids import to_global_id
from schema.prefetch import relation
from schema.staff import StaffUser
from services.shapes import rows_in

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]
tag_by_id = by_id(TagDefinitionModel)


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


_TAG = relation("MemberTag", "tag", methodcaller("get", tag_by_id), "tag_id")
_ASSIGNED_BY = relation("MemberTag", "assignedBy", attrgetter("staff_by_id"), "assigned_by_id")
_TAGS = relation("Member", "tags", methodcaller("get", tags_by_member_id), "id")


async def _staff(info: Info, staff_id: int | None) -> StaffUser | None:
    if staff_id is None:
        return None
    return await info.context.loaders.staff_by_id.load(staff_id)  # type: ignore[return-value]


@model_type(TagDefinitionModel)
class TagDefinition(Node):
    code: str
    name: str
    category: TagCategory
    description: str | None
    status: TagStatus
    rule: JSON | None = strawberry.field(
        description="Declarative rule (see the rule language); null for manual tags."
    )
    error_rate: float = strawberry.field(
        description="Share of assignments reported wrong: errors / assignments ever made."
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("TagDefinition", self.id))

    @strawberry.field
    async def created_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.created_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.reviewed_by_id)  # type: ignore[attr-defined]

    @strawberry.field
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.get(member_counts_by_tag_id).load(self.id)


@model_type(MemberTagModel)
class MemberTag:
    source: TagSource
    assigned_at: datetime

    @strawberry.field
    def tag(self, info: Info) -> TagDefinition:
        # A loader, not a join: a page carries a few definitions but many assignments.
        return _TAG.resolve(self, info)

    @strawberry.field
    def assigned_by(self, info: Info) -> StaffUser | None:
        return _ASSIGNED_BY.resolve(self, info)


@strawberry.type
class MemberTagsFields:
    """Member fields of customer tags, joined into Member (schema/members.py)."""

    @strawberry.field
    def tags(self, info: Info) -> list[MemberTag] | None:
        return _TAGS.resolve(self, info)


@strawberry.input
class TagDefinitionInput:
    code: str
    name: str
    category: TagCategory
    description: str | None = None
    rule: JSON | None = None


@strawberry.type
class TagDefinitionPayload:
    tag: TagDefinition | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class AssignTagInput:
    member_id: strawberry.ID
    tag_code: str
    note: str | None = None


@strawberry.type
class MemberTagsPayload:
    member: MemberRef | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class ReportTagErrorInput:
    member_id: strawberry.ID
    tag_code: str
    note: str
