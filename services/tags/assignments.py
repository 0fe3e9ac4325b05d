"""Tags on members by hand: assign, remove, and reports of wrong assignments (DESIGN §2)."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import F

from models.enums import MemberStatus, TagSource, TagStatus
from models.member import Member
from models.tag import MemberTag, TagDefinition, TagErrorReport
from services.db import retry_busy, transaction
from services.errors import Invalid, InvalidState, NotFound
from services.tags.rules import Sql
from services.tags.sql import fetch
from services.validation import clean_text

MAX_NOTE = 2000
MEMBER_ID = ("input", "memberId")
TAG_CODE = ("input", "tagCode")


async def _member(member_id: int) -> Member:
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound("No such member.", MEMBER_ID)
    return member


async def _tag(code: str) -> TagDefinition:
    tag = await TagDefinition.get_or_none(code=code.strip())
    if tag is None:
        raise NotFound("No tag has this code.", TAG_CODE)
    return tag


def _note(value: str | None, required: bool = False) -> str | None:
    note = clean_text(value, ("input", "note"), required=required)
    if note is not None and len(note) > MAX_NOTE:
        raise Invalid(f"A note has at most {MAX_NOTE} characters.", ("input", "note"))
    return note


async def assign_tag(
    member_id: int, tag_code: str, staff_id: int | None, now: datetime, note: str | None = None
) -> Member:
    """Put an active manual tag on a member; assigning it again changes nothing.

    Raises NotFound (member, tag), InvalidState (tag not active, a rule tag,
    member terminated), Invalid (note).
    """
    member = await _member(member_id)
    tag = await _tag(tag_code)
    note = _note(note)
    if tag.status is not TagStatus.ACTIVE:
        raise InvalidState(
            f"This tag is {tag.status.value}; only active tags are assigned.", TAG_CODE
        )
    if tag.rule is not None:
        raise InvalidState("A rule tag follows its rule and is not assigned by hand.", TAG_CODE)
    if member.status is MemberStatus.TERMINATED:
        raise InvalidState("A terminated member carries no tags.", MEMBER_ID)

    async def write() -> None:
        async with transaction() as conn:
            added = await fetch(
                conn,
                Sql(
                    "INSERT INTO member_tag"
                    " (member_id, tag_id, source, assigned_at, assigned_by_id, note)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (member_id, tag_id) DO NOTHING RETURNING id",
                    (member_id, tag.id, TagSource.MANUAL.value, now, staff_id, note),
                ),
            )
            if added:
                await (
                    TagDefinition.filter(id=tag.id)
                    .using_db(conn)
                    .update(assignments_total=F("assignments_total") + 1)
                )

    await retry_busy(write)
    return member


async def remove_tag(member_id: int, tag_code: str) -> Member:
    """Take a manual tag off a member; removing an absent tag changes nothing.

    Raises NotFound (member, tag), InvalidState (a rule tag: report an error instead).
    """
    member = await _member(member_id)
    tag = await _tag(tag_code)
    async with transaction():
        removed = await MemberTag.filter(
            member_id=member_id, tag_id=tag.id, source=TagSource.MANUAL
        ).delete()
    if not removed and await MemberTag.exists(member_id=member_id, tag_id=tag.id):
        raise InvalidState(
            "A rule tag follows its rule; report it with reportTagError if it is wrong.", TAG_CODE
        )
    return member


async def report_tag_error(
    member_id: int, tag_code: str, note: str, staff_id: int | None, now: datetime
) -> Member:
    """Record that a member's tag is wrong: the assignment goes and counts in errorRate;
    a rule tag then stays off that member until the rule's outcome for them changes.

    Raises NotFound (member, tag, or the member does not carry the tag), Invalid (note).
    """
    member = await _member(member_id)
    tag = await _tag(tag_code)
    text = _note(note, required=True)
    assignment = await MemberTag.get_or_none(member_id=member_id, tag_id=tag.id)
    if assignment is None:
        raise NotFound("The member does not carry this tag.", TAG_CODE)

    async def write() -> None:
        async with transaction() as conn:
            if not await MemberTag.filter(id=assignment.id).using_db(conn).delete():
                raise NotFound("The member no longer carries this tag.", TAG_CODE)
            await TagErrorReport.create(
                member_id=member_id,
                tag_id=tag.id,
                source=assignment.source,
                note=text,
                reported_at=now,
                reported_by_id=staff_id,
                suppressing=assignment.source is TagSource.RULE,
                using_db=conn,
            )
            await (
                TagDefinition.filter(id=tag.id)
                .using_db(conn)
                .update(errors_total=F("errors_total") + 1)
            )

    await retry_busy(write)
    return member
