"""Identity: what a sign-in changes in the request that made it."""

from __future__ import annotations

from auth.authentication import IssuedSession
from core.ids import to_global_id
from resolvers.context import Context


def signed_in(context: Context, issued: IssuedSession) -> None:
    """The rest of the request answers as the one who signed in, and its audit entry
    names them."""
    context.actor = issued.actor
    context.audit.target(
        to_global_id("StaffUser", issued.actor.staff_id)
        if issued.actor.staff_id
        else to_global_id("Member", issued.actor.member_id or 0)
    )
