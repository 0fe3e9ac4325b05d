"""Builders the tags tests share: tags defined and approved through the services."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from models.enums import ReviewDecision, Role, TagCategory
from models.member import Member
from models.staff import StaffUser
from models.tag import TagDefinition
from services import tags
from services.clock import utcnow
from tests.conftest import make_staff

_staff = itertools.count(1)


async def two_staff() -> tuple[StaffUser, StaffUser]:
    n = next(_staff)
    return (
        await make_staff(Role.MARKETING, f"proposer-{n}"),
        await make_staff(Role.OPERATIONS, f"reviewer-{n}"),
    )


async def active_tag(
    code: str,
    rule: Any = None,
    category: TagCategory = TagCategory.VALUE,
    now: datetime | None = None,
    visible_to_member: bool = False,
) -> TagDefinition:
    """A tag proposed by one staff member and approved by another (rule tags computed)."""
    proposer, reviewer = await two_staff()
    when = now or utcnow()
    draft = tags.TagDraft(code, code.replace("-", " "), category, None, rule, visible_to_member)
    tag = await tags.propose_tag_definition(draft, proposer.id, when)
    return await tags.review_tag_definition(tag.id, ReviewDecision.APPROVE, None, reviewer.id, when)


async def tag_codes(member_id: int) -> set[str]:
    return set(
        await TagDefinition.filter(assignments__member_id=member_id).values_list("code", flat=True)  # type: ignore[arg-type]
    )


async def carriers(code: str) -> set[int]:
    return set(await Member.filter(tags__tag__code=code).values_list("id", flat=True))  # type: ignore[arg-type]
