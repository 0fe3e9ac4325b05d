"""What the subscriptions stream: a member's ledger entries as they are posted."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from auth.errors import PublicError, Unauthenticated
from models.points import PointsEntry
from models.staff import Session
from resolvers.context import Context
from resolvers.loaders import Loaders
from services.clock import utcnow
from services.points import events


class FeedInterrupted(PublicError):
    code = "SERVICE_UNAVAILABLE"


async def postings(context: Context, member_id: int) -> AsyncGenerator[PointsEntry, None]:
    try:
        async for entry in events.postings(member_id):
            await _check_session(context)
            # The connection's context lives as long as the socket: batch each event afresh.
            context.loaders = Loaders(visible_tags_only=context.actor.is_member)
            yield entry
    except events.StreamInterrupted as error:
        raise FeedInterrupted(str(error)) from None


async def _check_session(context: Context) -> None:
    """A stream outlives requests: it ends once its session is revoked or expires."""
    live = Session.filter(id=context.actor.session_id, revoked_at=None, expires_at__gt=utcnow())
    if not await live.exists():
        raise Unauthenticated("The session has ended; sign in and subscribe again.")
