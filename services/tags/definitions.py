"""Tag definitions: proposed, reviewed by a second staff member, retired (DESIGN §2 "Tags")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.enums import ReviewDecision, TagCategory, TagStatus
from models.tag import MemberTag, TagDefinition, TagErrorReport
from services import limits
from services.db import retry_busy, transaction
from services.errors import Duplicate, Invalid, InvalidState, NotFound
from services.limits import ensure_room
from services.reviews import MAX_NAME, MAX_NOTE, approves, clean_code, limited_text
from services.stage_sql import VIP_CODE
from services.tags.explanations import written
from services.tags.refresh import refresh_tag
from services.tags.rules import STAGE_FIELD, check_rule

MAX_DESCRIPTION = MAX_NOTE


@dataclass(frozen=True)
class TagDraft:
    code: str
    name: str
    category: TagCategory
    description: str | None = None
    rule: Any = None
    visible_to_member: bool = False


def _check_not_circular(code: str, category: TagCategory, rule: Any) -> None:
    """HIGH_VALUE is read from the VIP tag: a VIP tag holding by its lifecycle stage would
    decide its own members, and each refresh could undo the last."""
    if code.upper() != VIP_CODE or category != TagCategory.VALUE:
        return
    if any(found.condition["field"] == STAGE_FIELD for found in written(rule)):
        raise Invalid(
            f"The {VIP_CODE} tag makes a member HIGH_VALUE: its rule may not read {STAGE_FIELD}.",
            ("input", "rule"),
        )


async def propose_tag_definition(
    draft: TagDraft, proposer_id: int | None, now: datetime
) -> TagDefinition:
    """Propose a tag (PENDING_REVIEW); a rule-less tag is assigned by hand.

    Raises Invalid (code, name, description, or the rule at the path inside it),
    Duplicate (code taken).
    """
    code = clean_code(draft.code)
    name = limited_text(draft.name, MAX_NAME, ("input", "name"), required=True)
    description = limited_text(draft.description, MAX_DESCRIPTION, ("input", "description"))
    if draft.rule is not None:
        check_rule(draft.rule)
        _check_not_circular(code, draft.category, draft.rule)
    if await TagDefinition.exists(code=code):
        raise Duplicate("A tag with this code exists.", ("input", "code"))
    try:
        async with transaction():  # a savepoint in a unit: the refused insert leaves no trace
            await ensure_room(
                TagDefinition.all(), limits.TAG_DEFINITIONS, "tag definitions", ("input", "code")
            )
            return await TagDefinition.create(
                code=code,
                name=name,
                category=draft.category,
                description=description,
                rule=draft.rule,
                visible_to_member=draft.visible_to_member,
                created_by_id=proposer_id,
                created_at=now,
            )
    except IntegrityError:
        # Another proposal took the code between our check and our insert.
        if await TagDefinition.exists(code=code):
            raise Duplicate("A tag with this code exists.", ("input", "code")) from None
        raise


async def _definition(tag_id: int, field: tuple[str, ...] = ("input", "id")) -> TagDefinition:
    tag = await TagDefinition.get_or_none(id=tag_id)
    if tag is None:
        raise NotFound("No such tag definition.", field)
    return tag


async def review_tag_definition(
    tag_id: int, decision: ReviewDecision, note: str | None, reviewer_id: int | None, now: datetime
) -> TagDefinition:
    """Approve (ACTIVE, rule tags computed at once) or reject a proposed tag.

    Four eyes: the proposer may not approve their own proposal (NotAllowed).
    Raises NotFound, InvalidState (not pending review), Invalid (note).
    """
    tag = await _definition(tag_id)
    note = limited_text(note, MAX_DESCRIPTION, ("input", "note"))
    if tag.status is not TagStatus.PENDING_REVIEW:
        raise InvalidState(f"This tag is {tag.status.value}, not pending review.", ("input", "id"))
    approve = approves(decision, tag.created_by_id, reviewer_id, "tag")

    async def write() -> None:
        async with transaction() as conn:
            if approve:
                active = TagDefinition.filter(status=TagStatus.ACTIVE).using_db(conn)
                await ensure_room(active, limits.ACTIVE_TAGS, "active tags", ("input", "id"))
            reviewed = (
                await TagDefinition.filter(id=tag_id, status=TagStatus.PENDING_REVIEW)
                .using_db(conn)
                .update(
                    status=TagStatus.ACTIVE if approve else TagStatus.REJECTED,
                    reviewed_by_id=reviewer_id,
                    reviewed_at=now,
                    review_note=note,
                )
            )
            if not reviewed:
                raise InvalidState("This tag was reviewed meanwhile.", ("input", "id"))

    await retry_busy(write)
    tag = await _definition(tag_id)
    if approve and tag.rule is not None:
        await refresh_tag(tag, now)
    return tag


async def retire_tag_definition(tag_id: int, now: datetime) -> TagDefinition:
    """Retire an active tag: it leaves every member, the definition and its counts stay.

    Raises NotFound, InvalidState (not ACTIVE).
    """
    tag = await _definition(tag_id, ("id",))

    async def write() -> None:
        async with transaction() as conn:
            retired = (
                await TagDefinition.filter(id=tag_id, status=TagStatus.ACTIVE)
                .using_db(conn)
                .update(status=TagStatus.RETIRED, retired_at=now)
            )
            if not retired:
                raise InvalidState(
                    f"Only an active tag can be retired; this one is {tag.status.value}.", ("id",)
                )
            await MemberTag.filter(tag_id=tag_id).using_db(conn).delete()
            await (
                TagErrorReport.filter(tag_id=tag_id, suppressing=True)
                .using_db(conn)
                .update(suppressing=False)
            )

    await retry_busy(write)
    return await _definition(tag_id, ("id",))


def tag_definitions(
    category: TagCategory | None, status: TagStatus | None
) -> QuerySet[TagDefinition]:
    rows = TagDefinition.all()
    if category is not None:
        rows = rows.filter(category=category)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("category", "code")
