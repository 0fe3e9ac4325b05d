"""A campaign as proposed or updated, checked before anything is written (issue 25 point 4).

Overlapping periods are fine; every other refusal is Invalid at the input's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models.tag import TagDefinition
from models.tier import Tier
from services.clock import as_utc
from services.errors import Invalid
from services.points.rules import clean_amount
from services.reviews import MAX_NAME, clean_code, limited_text
from services.validation import check_moment, clean_text

MIN_MULTIPLIER = Decimal(1)
MAX_MULTIPLIER = Decimal(10)
MAX_POINTS = 10**9
MAX_LIST = 50  # codes or channels in one list: an audience, not a member list
CHANNEL_LENGTH = 64  # as a purchase's channel


@dataclass(frozen=True)
class Audience:
    tier_codes: Sequence[str] = ()
    tags_all: Sequence[str] = ()
    tags_any: Sequence[str] = ()
    tags_none: Sequence[str] = ()


@dataclass(frozen=True)
class CampaignDraft:
    code: str
    name: str
    starts_at: datetime
    ends_at: datetime
    audience: Audience = field(default_factory=Audience)
    min_amount: Decimal | None = None
    channels: Sequence[str] = ()
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    max_points_per_member: int | None = None
    budget_points: int | None = None


def _path(name: str) -> tuple[str, ...]:
    return ("input", name)


def _codes(values: Sequence[str], name: str, field_path: tuple[str, ...]) -> list[str]:
    if len(values) > MAX_LIST:
        raise Invalid(f"At most {MAX_LIST} {name}.", field_path)
    cleaned = [clean_text(value, field_path, required=True, line=True) or "" for value in values]
    if any(len(value) > CHANNEL_LENGTH for value in cleaned):
        raise Invalid(f"A code or channel has at most {CHANNEL_LENGTH} characters.", field_path)
    return list(dict.fromkeys(cleaned))


def _multiplier(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        ok = value.is_finite() and MIN_MULTIPLIER <= value <= MAX_MULTIPLIER
        exact = ok and value == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        ok = exact = False
    if not (ok and exact):
        raise Invalid(
            "A multiplier lies between 1 and 10, with at most two decimals.", _path("multiplier")
        )
    return value


def _points(value: int | None, name: str) -> int | None:
    if value is not None and not 0 <= value <= MAX_POINTS:
        raise Invalid(f"{name} lies between 0 and {MAX_POINTS}.", _path(name))
    return value


def _period(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    starts = as_utc(check_moment(starts_at, _path("startsAt")))
    ends = as_utc(check_moment(ends_at, _path("endsAt")))
    if ends <= starts:
        raise Invalid("A campaign ends after it starts.", _path("endsAt"))
    return starts, ends


async def _known(model: Any, codes: Sequence[str], what: str, name: str) -> None:
    if not codes:
        return
    found = set(await model.filter(code__in=list(codes)).values_list("code", flat=True))
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid(f"No {what} with code {', '.join(unknown)}.", _path(name))


async def clean_draft(draft: CampaignDraft) -> dict[str, Any]:
    """The campaign's columns from `draft`. Raises Invalid: code, name, a period that does
    not end after it starts, a multiplier outside 1..10, negative points, neither or both
    of multiplier and bonus, an unknown tier or tag code, a malformed amount or channel."""
    starts, ends = _period(draft.starts_at, draft.ends_at)
    multiplier = _multiplier(draft.multiplier)
    bonus = _points(draft.bonus_points, "bonusPoints")
    if (multiplier is None) == (bonus is None):
        raise Invalid(
            "A campaign has either a multiplier or a bonus, not both.", _path("multiplier")
        )
    audience = draft.audience
    tier_codes = _codes(audience.tier_codes, "tier codes", ("input", "audience", "tierCodes"))
    tags = {
        name: _codes(values, "tag codes", ("input", "audience", key))
        for name, key, values in (
            ("tags_all", "tagsAll", audience.tags_all),
            ("tags_any", "tagsAny", audience.tags_any),
            ("tags_none", "tagsNone", audience.tags_none),
        )
    }
    await _known(Tier, tier_codes, "tier", "audience")
    await _known(
        TagDefinition, [code for codes in tags.values() for code in codes], "tag", "audience"
    )
    return {
        "code": clean_code(draft.code),
        "name": limited_text(draft.name, MAX_NAME, _path("name"), required=True),
        "starts_at": starts,
        "ends_at": ends,
        "tier_codes": tier_codes,
        **tags,
        "min_amount": None
        if draft.min_amount is None
        else clean_amount(draft.min_amount, _path("minAmount")),
        "channels": _codes(draft.channels, "channels", _path("channels")),
        "multiplier": multiplier,
        "bonus_points": bonus,
        "max_points_per_member": _points(draft.max_points_per_member, "maxPointsPerMember"),
        "budget_points": _points(draft.budget_points, "budgetPoints"),
    }
