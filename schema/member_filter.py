"""The member filter and order inputs, on their own so any domain can import them
(schema/communications' sendCommunication takes a MemberFilter too) without a cycle."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import MemberOrderField, MemberStatus, OrderDirection
from services.members.search import MemberFilter as MemberQuery


@strawberry.input
class MemberFilter:
    status: list[MemberStatus] | None = None
    tier_codes: list[str] | None = None
    tags_all: list[str] | None = strawberry.field(
        default=None, description="Members carrying every one of these tags."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Members carrying at least one of these tags."
    )
    tags_none: list[str] | None = None
    joined_after: datetime | None = None
    joined_before: datetime | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Matches memberNo, name, phone or email (roles that may read them).",
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
        )


@strawberry.input
class MemberOrder:
    field: MemberOrderField
    direction: OrderDirection
