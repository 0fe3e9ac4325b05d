"""Satisfaction surveys by one-time link (DESIGN §10): the token a SURVEY message carries,
and the answer given with it, without signing in.

The token is random and the token table keeps only its SHA-256; it is tied to the member
and the purchase, expires after 30 days and answers once. The survey message carries it,
and the outbox sends a message's content as stored (DESIGN §8), so the code is also in that
communication's content: whoever reads the member's communications (the member, SERVICE,
ADMIN, who may log a scored contact anyway) could read it, and erasure erases it with the
content. An unknown token and a forged one get
the same INVALID (no oracle). The answer is an INBOUND SURVEY communication with its
score, so it counts in the satisfaction rate.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from core.settings import get_settings
from models.communication import Communication
from models.enums import CommunicationCategory, Direction
from models.programme import SurveyToken
from services import throttle
from services.db import retry_busy, transaction
from services.errors import Invalid, InvalidState
from services.throttle import Limit
from services.validation import clean_text

TOKEN_LIFE = timedelta(days=30)
MAX_COMMENT = 2000
SURVEY_SCOPE = "survey"
RATE_WINDOW = timedelta(hours=1)


def new_token() -> tuple[str, str]:
    """A token and the hash stored of it."""
    token = secrets.token_urlsafe(24)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean(score: int, comment: str | None) -> str | None:
    if not 1 <= score <= 5:
        raise Invalid("A satisfaction score is 1 to 5.", ("input", "score"))
    text = clean_text(comment, ("input", "comment"))
    if text is not None and len(text) > MAX_COMMENT:
        raise Invalid(f"At most {MAX_COMMENT} characters.", ("input", "comment"))
    return text


async def respond_to_survey(
    token: str, score: int, comment: str | None, now: datetime, *, client: str | None
) -> Communication:
    """Answer a survey by its token. Raises RateLimited (MEMBERHUB_SURVEY_RATE_LIMIT per
    client address and hour), Invalid (score, comment, unknown token), InvalidState
    (answered already, expired)."""
    limit = Limit(
        SURVEY_SCOPE, throttle.network_of(client), get_settings().survey_rate_limit, RATE_WINDOW
    )
    await throttle.count_attempt([limit], now, "Too many survey answers from this address")
    text = _clean(score, comment)
    digest = token_hash(token)

    async def write() -> Communication:
        async with transaction() as conn:
            # First a write: of two answers with one token, one claims it.
            claimed = (
                await SurveyToken.filter(
                    token_hash=digest, used_at__isnull=True, expires_at__gt=now
                )
                .using_db(conn)
                .update(used_at=now)
            )
            found = await SurveyToken.filter(token_hash=digest).using_db(conn).first()
            if found is None:
                raise Invalid("Unknown survey token.", ("input", "token"))
            if not claimed:
                reason = "already answered" if found.used_at is not None else "expired"
                raise InvalidState(f"This survey was {reason}.", ("input", "token"))
            return await Communication.create(
                using_db=conn,
                member_id=found.member_id,
                channel=found.channel,
                direction=Direction.INBOUND,
                category=CommunicationCategory.SURVEY,
                subject="Survey answer",
                content=text,
                occurred_at=now,
                satisfaction_score=score,
            )

    return await retry_busy(write)
