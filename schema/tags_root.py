"""Root fields of tags: the catalogue, its review, tags on members and the refresh job."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from models.enums import TagCategory, TagStatus
from resolvers.ids import decode_id
from schema.context import Info
from schema.effect import Days
from schema.jobs import AsOf, JobReport
from schema.members import ReviewInput
from schema.tags import (
    AssignTagInput,
    From,
    MemberTagsPayload,
    ReportTagErrorInput,
    TagDefinition,
    TagDefinitionInput,
    TagDefinitionPayload,
    TagEvaluation,
    To,
)
from schema.user_errors import mutation, user_errors
from services import tags as service
from services.clock import utcnow
from services.errors import Duplicate, Invalid, InvalidState, NotFound
from services.insights import window
from services.outreach import DEFAULT_DAYS

MEMBER_ID = ("input", "memberId")


async def tag_definitions(
    info: Info,
    category: Annotated[
        TagCategory | None, strawberry.argument(description="Only this family; default all.")
    ] = None,
    status: Annotated[
        TagStatus | None, strawberry.argument(description="Only this state; default all.")
    ] = None,
) -> list[TagDefinition]:
    return await service.tag_definitions(category, status)  # type: ignore[return-value]


async def tag_evaluation(from_: From, to: To, days: Days = DEFAULT_DAYS) -> list[TagEvaluation]:
    start, end = window(from_, to, utcnow())
    return [TagEvaluation.of(found) for found in await service.tag_evaluation(start, end, days)]


@user_errors(TagDefinitionPayload)
async def propose_tag_definition(
    info: Info,
    input: Annotated[TagDefinitionInput, strawberry.argument(description="The proposed tag.")],
) -> TagDefinitionPayload:
    draft = service.TagDraft(
        input.code,
        input.name,
        input.category,
        input.description,
        input.rule,
        input.visible_to_member,
    )
    tag = await service.propose_tag_definition(draft, info.context.actor.staff_id, utcnow())
    info.context.audit.target(to_global_id("TagDefinition", tag.id))
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(TagDefinitionPayload)
async def review_tag_definition(
    info: Info,
    input: Annotated[
        ReviewInput, strawberry.argument(description="The tag definition and the decision.")
    ],
) -> TagDefinitionPayload:
    tag_id = decode_id(input.id, "TagDefinition")
    info.context.audit.target(input.id)
    tag = await service.review_tag_definition(
        tag_id, input.decision, input.note, info.context.actor.staff_id, utcnow()
    )
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(TagDefinitionPayload)
async def retire_tag_definition(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The ACTIVE tag definition to retire.")
    ],
) -> TagDefinitionPayload:
    tag_id = decode_id(id, "TagDefinition", ("id",))
    info.context.audit.target(id)
    tag = await service.retire_tag_definition(tag_id, utcnow())
    return TagDefinitionPayload(tag=tag)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def assign_tag(
    info: Info,
    input: Annotated[AssignTagInput, strawberry.argument(description="The member and the tag.")],
) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.assign_tag(
        member_id, input.tag_code, info.context.actor.staff_id, utcnow(), input.note
    )
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def remove_tag(
    info: Info,
    input: Annotated[AssignTagInput, strawberry.argument(description="The member and the tag.")],
) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.remove_tag(member_id, input.tag_code)
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


@user_errors(MemberTagsPayload)
async def report_tag_error(
    info: Info,
    input: Annotated[
        ReportTagErrorInput,
        strawberry.argument(description="The member, the tag and what is wrong."),
    ],
) -> MemberTagsPayload:
    member_id = decode_id(input.member_id, "Member", MEMBER_ID)
    info.context.audit.target(input.member_id)
    member = await service.report_tag_error(
        member_id, input.tag_code, input.note, info.context.actor.staff_id, utcnow()
    )
    return MemberTagsPayload(member=member)  # type: ignore[arg-type]


async def run_tag_refresh(info: Info, as_of: AsOf = None) -> JobReport:
    return await JobReport.of_run(service.run_tag_refresh(as_of or utcnow()))


@strawberry.type
class TagsQuery:
    """Root query fields of tags (joined in schema/root.py)."""

    tag_definitions: list[TagDefinition] = strawberry.field(
        resolver=tag_definitions, description="Tag definitions by family, then code."
    )
    tag_evaluation: list[TagEvaluation] = strawberry.field(
        resolver=tag_evaluation,
        description="The quarterly tag evaluation over [from, to): every ACTIVE tag and every "
        "RETIRED one used in the window, by code, with its error rate, utilisation, holders "
        "and last refresh. from after to is INVALID.",
    )


@strawberry.type
class TagsMutation:
    """Root mutation fields of tags (joined in schema/root.py)."""

    propose_tag_definition: TagDefinitionPayload = mutation(
        propose_tag_definition,
        "Propose a tag (PENDING_REVIEW). A rule that names an unknown field or op is INVALID.",
        errors=(Invalid, Duplicate, InvalidState),
    )
    review_tag_definition: TagDefinitionPayload = mutation(
        review_tag_definition,
        "Approve (ACTIVE; a rule tag is computed for members at once) or reject a proposed "
        "tag. The proposer may not review their own proposal (a FORBIDDEN error); a tag not "
        "PENDING_REVIEW is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
    retire_tag_definition: TagDefinitionPayload = mutation(
        retire_tag_definition,
        "Retire an ACTIVE tag: it is removed from every member; the definition stays in history.",
        errors=(Invalid, NotFound, InvalidState),
    )
    assign_tag: MemberTagsPayload = mutation(
        assign_tag,
        "Put an ACTIVE manual tag on a member; assigning it again changes nothing. A rule "
        "tag, an inactive tag or a TERMINATED member is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState),
    )
    remove_tag: MemberTagsPayload = mutation(
        remove_tag,
        "Take a manual tag off a member; removing an absent tag changes nothing. A rule tag "
        "is INVALID_STATE: report it with reportTagError instead.",
        errors=(Invalid, NotFound, InvalidState),
    )
    report_tag_error: MemberTagsPayload = mutation(
        report_tag_error,
        "Report a tag wrongly on a member: the assignment is removed and counted in the "
        "tag's errorRate; a rule tag then stays off the member until the rule's outcome for "
        "them changes.",
        errors=(Invalid, NotFound),
    )
    run_tag_refresh: JobReport = strawberry.mutation(
        resolver=run_tag_refresh,
        description="Recompute every ACTIVE rule tag for all members as of asOf (rule tags "
        "also refresh for a member after each purchase). Running it again for the same asOf "
        "changes nothing. Also `memberhub run-job tag-refresh` (daily).",
    )
