"""Segments: members by tier and tags, as member lists filter them and campaigns aim
(DESIGN §9 "audience ... as segments already filter")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.member import Member
from models.tag import MemberTag, TagDefinition
from models.tier import Tier


@dataclass(frozen=True)
class Segment:
    """Empty or None criteria do not filter."""

    tier_codes: Sequence[str] | None = None
    tags_all: Sequence[str] | None = None
    tags_any: Sequence[str] | None = None
    tags_none: Sequence[str] | None = None

    @property
    def tag_codes(self) -> list[str]:
        """Every tag the segment names, to count as a use of it (services/tags/uses.py)."""
        return [*(self.tags_all or ()), *(self.tags_any or ()), *(self.tags_none or ())]


def _tagged(codes: Sequence[str]) -> Subquery:
    # Tag ids first: a join on the code made SQLite scan every assignment.
    tags = Subquery(TagDefinition.filter(code__in=list(codes)).values("id"))
    return Subquery(MemberTag.filter(tag_id__in=tags).values("member_id"))


def in_segment(members: QuerySet[Member], segment: Segment) -> QuerySet[Member]:
    """`members` narrowed to the segment; tag criteria run as subqueries."""
    if segment.tier_codes:
        tiers = Subquery(Tier.filter(code__in=list(segment.tier_codes)).values("id"))
        # One tier as an equality: the planner then reads its members in index order.
        single = len(set(segment.tier_codes)) == 1
        members = members.filter(tier_id=tiers) if single else members.filter(tier_id__in=tiers)
    for code in segment.tags_all or ():
        members = members.filter(id__in=_tagged([code]))
    if segment.tags_any:
        members = members.filter(id__in=_tagged(segment.tags_any))
    if segment.tags_none:
        members = members.exclude(id__in=_tagged(segment.tags_none))
    return members
