"""The benefit catalogue: which benefits exist, when they are active, which tiers hold them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from models.benefit import Benefit, BenefitTier
from models.enums import BenefitCategory, BenefitPeriod
from models.tier import Tier
from services import limits
from services.clock import as_utc
from services.db import retry_busy, transaction
from services.errors import Duplicate, Invalid, NotFound
from services.limits import ensure_room
from services.reference_data import reference_data
from services.validation import clean_text

# A cap that keeps a points cost far inside a 32-bit column and any real balance.
MAX_POINTS_COST = 100_000_000
MAX_USAGE_LIMIT = 1_000_000


@dataclass(frozen=True)
class BenefitFields:
    code: str
    name: str
    category: BenefitCategory
    tier_codes: tuple[str, ...]
    description: str | None = None
    discount_percent: float | None = None
    points_cost: int | None = None
    usage_limit: int | None = None
    usage_period: BenefitPeriod | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None


def active_at(now: datetime, prefix: str = "") -> Q:
    """Benefits whose window contains `now` (`prefix` reaches them through a relation)."""
    # Q(**lookups): the type checker matches the lookups' values to Q's join_type: str.
    return (
        Q(**{f"{prefix}active_from__isnull": True})  # type: ignore[arg-type]
        | Q(**{f"{prefix}active_from__lte": now})  # type: ignore[arg-type]
    ) & (
        Q(**{f"{prefix}active_until__isnull": True})  # type: ignore[arg-type]
        | Q(**{f"{prefix}active_until__gt": now})  # type: ignore[arg-type]
    )


def is_active(benefit: Benefit, now: datetime) -> bool:
    """The row form of `active_at`."""
    started = benefit.active_from is None or as_utc(benefit.active_from) <= now
    return started and (benefit.active_until is None or now < as_utc(benefit.active_until))


async def list_benefits(now: datetime, *, include_inactive: bool = False) -> list[Benefit]:
    """The catalogue by code: benefits active now, or all of them."""
    rows = Benefit.all() if include_inactive else Benefit.filter(active_at(now))
    return await rows.order_by("code")


async def benefits_of_tiers(tier_ids: Sequence[int], now: datetime) -> list[list[Benefit]]:
    """Benefits active now that each tier holds, by code, in the order of `tier_ids`.

    Member screens ask this on every open: from the reference data kept in memory, with
    the activity window applied to its rows with `is_active`.
    """
    held = (await reference_data()).held
    return [
        [benefit for benefit in held.get(tier_id, ()) if is_active(benefit, now)]
        for tier_id in tier_ids
    ]


async def tiers_of_benefits(benefit_ids: Sequence[int]) -> list[list[Tier]]:
    """The tiers holding each benefit, by rank, in the order of `benefit_ids`."""
    links = await BenefitTier.filter(benefit_id__in=set(benefit_ids)).select_related("tier")
    holders: dict[int, list[Tier]] = {benefit_id: [] for benefit_id in benefit_ids}
    for link in sorted(links, key=lambda link: link.tier.rank):
        holders.setdefault(link.benefit_id, []).append(link.tier)
    return [holders[benefit_id] for benefit_id in benefit_ids]


# ---------------------------------------------------------------- validation


def _field(name: str) -> tuple[str, str]:
    return ("input", name)


def _clean_code(code: str) -> str:
    clean = code.strip().upper()
    if not clean or len(clean) > 64 or not clean.replace("_", "").replace("-", "").isalnum():
        raise Invalid(
            "A benefit code is 1 to 64 letters, digits, hyphens or underscores.", _field("code")
        )
    return clean


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 128:
        raise Invalid("A benefit name is 1 to 128 characters.", _field("name"))
    return clean


def _clean_discount(fields: BenefitFields) -> float | None:
    percent = fields.discount_percent
    if fields.category is not BenefitCategory.DISCOUNT:
        if percent is not None:
            raise Invalid(
                "Only DISCOUNT benefits have a discountPercent.", _field("discountPercent")
            )
        return None
    if percent is None:
        raise Invalid("A DISCOUNT benefit needs its discountPercent.", _field("discountPercent"))
    if not math.isfinite(percent) or not 0 < percent < 100:
        raise Invalid("discountPercent lies between 0 and 100.", _field("discountPercent"))
    return round(percent, 2)


def _clean_points_cost(fields: BenefitFields) -> int:
    cost = fields.points_cost or 0
    if cost < 0 or cost > MAX_POINTS_COST:
        raise Invalid(f"pointsCost is between 0 and {MAX_POINTS_COST}.", _field("pointsCost"))
    # A POINTS benefit is a reward bought with points; free perks belong to other categories.
    if fields.category is BenefitCategory.POINTS and cost == 0:
        raise Invalid("A POINTS benefit costs points.", _field("pointsCost"))
    return cost


def _check_limit(fields: BenefitFields) -> None:
    limit, period = fields.usage_limit, fields.usage_period
    if limit is None:
        if period is not None:
            raise Invalid("A usagePeriod needs a usageLimit.", _field("usagePeriod"))
        if fields.category is BenefitCategory.BIRTHDAY:
            raise Invalid("A BIRTHDAY benefit needs a usage limit.", _field("usageLimit"))
        return
    if limit < 1 or limit > MAX_USAGE_LIMIT:
        raise Invalid(f"usageLimit is between 1 and {MAX_USAGE_LIMIT}.", _field("usageLimit"))
    if period is None:
        raise Invalid("A usageLimit needs a usagePeriod.", _field("usagePeriod"))
    # Usable only in the birthday month: a lifetime limit would make it a once-ever gift.
    if fields.category is BenefitCategory.BIRTHDAY and period is BenefitPeriod.LIFETIME:
        raise Invalid(
            "A BIRTHDAY benefit renews; its period is at most a YEAR.", _field("usagePeriod")
        )


def _check_window(fields: BenefitFields) -> None:
    start, end = fields.active_from, fields.active_until
    if start is not None and end is not None and as_utc(end) <= as_utc(start):
        raise Invalid("activeUntil must come after activeFrom.", _field("activeUntil"))
    # An event takes place at a time: its benefit must end.
    if fields.category is BenefitCategory.EXCLUSIVE_EVENT and end is None:
        raise Invalid("An EXCLUSIVE_EVENT benefit needs an activeUntil.", _field("activeUntil"))


def _clean_tier_codes(codes: Sequence[str]) -> tuple[str, ...]:
    if not codes:
        raise Invalid("A benefit is held by at least one tier.", _field("tierCodes"))
    return tuple(dict.fromkeys(code.strip().upper() for code in codes))


def clean_benefit(fields: BenefitFields) -> BenefitFields:
    """Validate a benefit's own values; raises Invalid at the offending input path."""
    _check_limit(fields)
    _check_window(fields)
    return replace(
        fields,
        code=_clean_code(fields.code),
        name=_clean_name(fields.name),
        description=clean_text(fields.description, _field("description")),
        discount_percent=_clean_discount(fields),
        points_cost=_clean_points_cost(fields),
        tier_codes=_clean_tier_codes(fields.tier_codes),
        active_from=as_utc(fields.active_from) if fields.active_from else None,
        active_until=as_utc(fields.active_until) if fields.active_until else None,
    )


# ---------------------------------------------------------------- writing


async def upsert_benefit(benefit_id: int | None, fields: BenefitFields) -> Benefit:
    """Create (benefit_id None) or update a benefit and the tiers holding it.

    Raises Invalid (values, unknown tier code at its index in tierCodes), Duplicate
    (code), NotFound (benefit_id). DESIGN §2 "Benefits".
    """
    clean = clean_benefit(fields)

    async def write() -> Benefit:
        async with transaction() as conn:
            return await _write(conn, benefit_id, clean)

    return await retry_busy(write)


async def _tiers(conn: Any, codes: tuple[str, ...]) -> list[Tier]:
    found = {tier.code: tier for tier in await Tier.filter(code__in=codes).using_db(conn)}
    for index, code in enumerate(codes):
        if code not in found:
            raise Invalid(f"No tier has code {code}.", ("input", "tierCodes", str(index)))
    return [found[code] for code in codes]


async def _write(conn: Any, benefit_id: int | None, fields: BenefitFields) -> Benefit:
    others = Benefit.all().using_db(conn)
    if benefit_id is not None:
        if not await Benefit.filter(id=benefit_id).using_db(conn).exists():
            raise NotFound("No such benefit.", _field("id"))
        others = others.exclude(id=benefit_id)
    if await others.filter(code=fields.code).exists():
        raise Duplicate(f"A benefit with code {fields.code} exists.", _field("code"))
    tiers = await _tiers(conn, fields.tier_codes)
    values = {
        "code": fields.code,
        "name": fields.name,
        "category": fields.category,
        "description": fields.description,
        "discount_percent": fields.discount_percent,
        "points_cost": fields.points_cost,
        "usage_limit": fields.usage_limit,
        "usage_period": fields.usage_period,
        "active_from": fields.active_from,
        "active_until": fields.active_until,
    }
    if benefit_id is None:
        await ensure_room(Benefit.all().using_db(conn), limits.BENEFITS, "benefits", _field("code"))
        benefit = await Benefit.create(**values, using_db=conn)
    else:
        await Benefit.filter(id=benefit_id).using_db(conn).update(**values)
        await BenefitTier.filter(benefit_id=benefit_id).using_db(conn).delete()
        benefit = await Benefit.get(id=benefit_id, using_db=conn)
    await BenefitTier.bulk_create(
        [BenefitTier(benefit_id=benefit.id, tier_id=tier.id) for tier in tiers], using_db=conn
    )
    return benefit


async def birthday_benefits(
    conn: Any, tier_ids: Sequence[int], now: datetime
) -> dict[int, list[str]]:
    """The names of the BIRTHDAY benefits active at `now` each tier holds, by tier id, in
    `conn`'s transaction (the birthday greeting names them)."""
    rows = (
        await BenefitTier.filter(
            active_at(now, "benefit__"),
            tier_id__in=list(set(tier_ids)),
            benefit__category=BenefitCategory.BIRTHDAY,
        )
        .using_db(conn)
        .order_by("benefit__code")
        .values("tier_id", "benefit__name")
    )
    held: dict[int, list[str]] = {tier_id: [] for tier_id in tier_ids}
    for row in rows:
        held[row["tier_id"]].append(row["benefit__name"])
    return held
