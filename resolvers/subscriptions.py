"""Root subscription fields, served over graphql-transport-ws (app/server.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from auth.errors import PublicError, Unauthenticated
from models.staff import Session
from resolvers.ids import decode_id
from resolvers.loaders import Loaders
from schema.context import Info
from schema.points import PointsEntry
from services.clock import utcnow
from services.points import events


async def points_posted(
    info: Info,
    member_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="Whose entries; omit for the calling member."),
    ] = None,
) -> AsyncGenerator[PointsEntry, None]:
    # Checked before the stream starts, so a refusal is the operation's `error` message.
    field = ("memberId",)
    given = decode_id(member_id, "Member", field) if member_id is not None else None
    member = info.context.scope_member(given, field)
    info.context.audit.target_member(member)
    return _postings(info, member)


class FeedInterrupted(PublicError):
    code = "SERVICE_UNAVAILABLE"


async def _postings(info: Info, member_id: int) -> AsyncGenerator[PointsEntry, None]:
    try:
        async for entry in events.postings(member_id):
            await _check_session(info)
            # The connection's context lives as long as the socket: batch each event afresh.
            info.context.loaders = Loaders()
            yield entry  # type: ignore[misc]
    except events.StreamInterrupted as error:
        raise FeedInterrupted(str(error)) from None


async def _check_session(info: Info) -> None:
    """A stream outlives requests: it ends once its session is revoked or expires."""
    live = Session.filter(
        id=info.context.actor.session_id, revoked_at=None, expires_at__gt=utcnow()
    )
    if not await live.exists():
        raise Unauthenticated("The session has ended; sign in and subscribe again.")


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
