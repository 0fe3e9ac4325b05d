"""The member filter and order inputs, on their own so any domain can import them
(schema/communications' sendCommunication takes a MemberFilter too) without a cycle."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import LifecycleStage, MemberOrderField, MemberStatus, OrderDirection
from services.members.search import MemberFilter as MemberQuery


@strawberry.input(
    description="Which members to list; every condition given must hold (omitted ones do "
    "not filter)."
)
class MemberFilter:
    status: list[MemberStatus] | None = strawberry.field(
        default=None, description="Members in any of these states."
    )
    tier_codes: list[str] | None = strawberry.field(
        default=None, description="Members in any of these tiers (tier codes)."
    )
    tags_all: list[str] | None = strawberry.field(
        default=None, description="Members carrying every one of these tags."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Members carrying at least one of these tags."
    )
    tags_none: list[str] | None = strawberry.field(
        default=None, description="Members carrying none of these tags."
    )
    joined_after: datetime | None = strawberry.field(
        default=None, description="Members who joined after this time (exclusive)."
    )
    joined_before: datetime | None = strawberry.field(
        default=None, description="Members who joined before this time (exclusive)."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Matches memberNo, name, phone or email (roles that may read them).",
    )
    stages: list[LifecycleStage] | None = strawberry.field(
        default=None, description="Members now at any of these lifecycle stages."
    )

    def to_query(self) -> MemberQuery:
        return MemberQuery(
            status=self.status,
            tier_codes=self.tier_codes,
            tags_all=self.tags_all,
            tags_any=self.tags_any,
            tags_none=self.tags_none,
            joined_after=self.joined_after,
            joined_before=self.joined_before,
            search=self.search,
            stages=self.stages,
        )


@strawberry.input(
    description="Sort order of a member list; only by a value the caller's role reads in "
    "clear (else FORBIDDEN)."
)
class MemberOrder:
    field: MemberOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(description="Ascending or descending.")
