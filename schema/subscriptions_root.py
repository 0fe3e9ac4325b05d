"""Root subscription fields, served over graphql-transport-ws (app/server.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from models.points import PointsEntry as PointsEntryModel
from resolvers.ids import decode_id
from resolvers.subscriptions import postings
from schema.context import Info
from schema.points import PointsEntry


async def points_posted(
    info: Info,
    member_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Whose entries; omit for the calling member."),
    ] = None,
) -> AsyncGenerator[PointsEntryModel, None]:
    # Checked before the stream starts, so a refusal is the operation's `error` message.
    field = ("memberId",)
    given = decode_id(member_id, "Member", field) if member_id is not None else None
    member = info.context.scope_member(given, field)
    info.context.audit.target_member(member)
    return postings(info.context, member)


@strawberry.type(
    description="Live events over the graphql-transport-ws WebSocket protocol at /graphql. "
    "A stream ends when its session is revoked or expires."
)
class Subscription:
    # strawberry reads the field's GraphQL type from this annotation, not the generator's.
    points_posted: PointsEntry = strawberry.subscription(  # type: ignore[assignment]
        resolver=points_posted,
        description="Ledger entries of one member as they are posted (the calling member, or "
        "any member for staff who may read the ledger).",
    )
