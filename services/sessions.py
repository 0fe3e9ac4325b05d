"""Sessions (DESIGN §3): a bearer token handed out once and stored only as its hash,
its expiry, its revocation. Sign-in opens them (auth/authentication.py), and so does a
member's activation; a new password or a deactivation revokes them. Which actor a
session stands for, and checking a token, are auth's.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.settings import get_settings
from models.staff import Session


@dataclass(frozen=True)
class NewSession:
    token: str  # the client's only copy: the database keeps its hash
    expires_at: datetime
    session: Session


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    now: datetime, *, staff_id: int | None = None, member_id: int | None = None
) -> NewSession:
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=get_settings().session_hours)
    session = await Session.create(
        token_hash=token_hash(token),
        staff_id=staff_id,
        member_id=member_id,
        created_at=now,
        expires_at=expires_at,
    )
    return NewSession(token, expires_at, session)


async def revoke_sessions(
    now: datetime, *, staff_id: int | None = None, member_id: int | None = None
) -> None:
    query = Session.filter(revoked_at=None)
    query = (
        query.filter(staff_id=staff_id)
        if staff_id is not None
        else query.filter(member_id=member_id)
    )
    await query.update(revoked_at=now)
