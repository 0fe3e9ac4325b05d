"""Resolvers of the tags domain: the catalogue, its review, tags on members, the refresh job."""

from __future__ import annotations

from datetime import datetime

import strawberry

from auth.errors import denial
from models.enums import TagCategory, TagStatus
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.errors import user_errors
from resolvers.nodes import node_fetcher
from schema.context import Info
from schema.ids import decode_id, to_global_id
from schema.jobs import JobReport
from schema.members import ReviewInput
from schema.tags import (
    AssignTagInput,
    MemberTagsPayload,
    ReportTagErrorInput,
    TagDefinition,
    TagDefinitionInput,
    TagDefinitionPayload,
    tag_by_id,
)
from services import tags as service
from services.clock import utcnow

MEMBER_ID = ("input", "memberId")


@node_fetcher("TagDefinition")
async def tag_node(info: Info, pk: int) -> TagDefinitionModel | None:
    if not info.context.cell(("Query", "tagDefinitions")).allowed:
        raise denial(info.context.actor.is_anonymous, "tag definitions")
    return await info.context.loaders.get(tag_by_id).load(pk)  # type: ignore[no-any-return]


async def tag_definitions(
    info: Info, category: TagCategory | None = None, status: TagStatus | None = None
) -> list[TagDefinition]:
    return await service.tag_definitions(category, status)  # type: ignore[return-value]


@user_errors(TagDefinitionPayload)
async def propose_tag_definition(info: Info, input: TagDefinitionInput) -> TagDefinitionPayload:
    draft = service.TagDraft(input.code, input.name, input.category, input.description, input.rule)
    tag = await service.propose_tag_definition(draft, info.context.actor.staff_id, utcnow())
    info.context.audit.target(to_global_id("TagDefinition", tag.id))
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(TagDefinitionPayload)
async def review_tag_definition(info: Info, input: ReviewInput) -> TagDefinitionPayload:
    tag_id = decode_id(input.id, "TagDefinition")
    info.context.audit.target(input.id)
    tag = await service.review_tag_definition(
        tag_id, input.decision, input.note, info.context.actor.staff_id, utcnow()
    )
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(TagDefinitionPayload)
async def retire_tag_definition(info: Info, id: strawberry.ID) -> TagDefinitionPayload:
    tag_id = decode_id(id, "TagDefinition", ("id",))
    info.context.audit.target(id)
    tag = await service.retire_tag_definition(tag_id, utcnow())
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def assign_tag(info: Info, input: AssignTagInput) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.assign_tag(
        member_id, input.tag_code, info.context.actor.staff_id, utcnow(), input.note
    )
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def remove_tag(info: Info, input: AssignTagInput) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.remove_tag(member_id, input.tag_code)
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def report_tag_error(info: Info, input: ReportTagErrorInput) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.report_tag_error(
        member_id, input.tag_code, input.note, info.context.actor.staff_id, utcnow()
    )
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


async def run_tag_refresh(info: Info, as_of: datetime | None = None) -> JobReport:
    return JobReport.of(await service.run_tag_refresh(as_of or utcnow()))


@strawberry.type
class TagsQuery:
    """Root query fields of tags (joined in schema/root.py)."""

    tag_definitions: list[TagDefinition] = strawberry.field(resolver=tag_definitions)


@strawberry.type
class TagsMutation:
    """Root mutation fields of tags (joined in schema/root.py)."""

    propose_tag_definition: TagDefinitionPayload = strawberry.mutation(
        resolver=propose_tag_definition
    )
    review_tag_definition: TagDefinitionPayload = strawberry.mutation(
        resolver=review_tag_definition
    )
    retire_tag_definition: TagDefinitionPayload = strawberry.mutation(
        resolver=retire_tag_definition
    )
    assign_tag: MemberTagsPayload = strawberry.mutation(resolver=assign_tag)
    remove_tag: MemberTagsPayload = strawberry.mutation(resolver=remove_tag)
    report_tag_error: MemberTagsPayload = strawberry.mutation(resolver=report_tag_error)
    run_tag_refresh: JobReport = strawberry.mutation(resolver=run_tag_refresh)
