"""What a delivery's send-time checks decide (DESIGN §8): pure functions of the member,
the message, the settings and the clock.

Decisions the design leaves open: APP_PUSH is addressed by memberNo, so it always has
an address; quiet hours are whole local hours, start inclusive, end exclusive; the
first retry waits a minute and each later one twice as long, each wait cut at random
to between half and all of it (jitter), so 12 attempts span 17 to 34 hours.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.communication import Communication
from models.enums import CommunicationCategory, ContactChannel, DeliveryStatus, MemberStatus
from models.member import Member
from services.clock import as_utc
from services.communications.sending import CONSENT_FIELDS
from services.delivery.message import Outcome

FIRST_RETRY = timedelta(minutes=1)


def address(member: Member, channel: ContactChannel) -> str | None:
    """Where a message on `channel` goes, read at send time: the outbox keeps none."""
    if channel == ContactChannel.EMAIL:
        return member.email
    if channel == ContactChannel.SMS:
        return member.phone
    return member.member_no


def unsolicited(message: Communication) -> bool:
    """MARKETING, or anything a programme sends (DESIGN §10): memberhub reaches out
    unasked, so the channel's consent is asked and the quiet hours are waited out."""
    return message.category == CommunicationCategory.MARKETING or message.programme is not None


def skip_reason(member: Member, message: Communication) -> str | None:
    """Why the message must not go out now that it is due, or None."""
    if member.status == MemberStatus.TERMINATED:
        return "The member is terminated."
    channel = message.channel
    if unsolicited(message) and not getattr(member, CONSENT_FIELDS[channel]):
        what = "MARKETING" if message.programme is None else f"the {message.programme} programme"
        return f"The member withdrew consent to {what} by {channel.value}."
    if not address(member, channel):
        return f"The member has no address for {channel.value}."
    return None


def quiet_hours(spec: str) -> tuple[int, int] | None:
    """`MEMBERHUB_QUIET_HOURS` read: "21-09" -> (21, 9); "off" -> None.
    Raises ValueError for any other form."""
    if spec == "off":
        return None
    start, _, end = spec.partition("-")
    hours = (int(start), int(end))
    if not all(0 <= hour <= 23 for hour in hours) or hours[0] == hours[1]:
        raise ValueError(f"MEMBERHUB_QUIET_HOURS must be start-end hours or off, not {spec!r}")
    return hours


def quiet_until(now: datetime, hours: tuple[int, int] | None, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None outside them."""
    if hours is None:
        return None
    start, end = hours
    local = as_utc(now).astimezone(tz)
    hour = local.hour
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tz).astimezone(UTC)


def next_attempt(now: datetime, attempts: int) -> datetime:
    """When a delivery that failed its `attempts`-th attempt is tried again."""
    wait = FIRST_RETRY * (1 << (attempts - 1))
    return now + wait * random.uniform(0.5, 1.0)


def outcome_changes(
    outcome: Outcome, attempts: int, max_attempts: int, now: datetime
) -> dict[str, Any]:
    """The columns recording a send's `outcome` after `attempts` attempts: SENT, QUEUED
    again after a backoff, or FAILED once a retry would exceed `max_attempts` (or the
    answer refused the message for good)."""
    if outcome.sent:
        return {
            "status": DeliveryStatus.SENT,
            "sent_at": now,
            "last_error": None,
            "next_attempt_at": None,
        }
    if outcome.retry and attempts < max_attempts:
        return {
            "status": DeliveryStatus.QUEUED,
            "last_error": outcome.error,
            "next_attempt_at": next_attempt(now, attempts),
        }
    return {"status": DeliveryStatus.FAILED, "last_error": outcome.error, "next_attempt_at": None}
