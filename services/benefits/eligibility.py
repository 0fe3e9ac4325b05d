"""Who may use which benefit now: the checks of `useBenefit`, in DESIGN's order.

One rule set serves both the refusal of a use and the eligibility listed on
Member.benefits, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from models.benefit import Benefit
from models.enums import BenefitCategory, BenefitPeriod, MemberStatus
from models.member import Member
from services.benefits.catalogue import benefits_of_tiers, is_active
from services.clock import as_utc, local_date
from services.errors import DomainError, InsufficientPoints, InvalidState, NotEligible
from services.points.dates import local_midnight
from shortcuts.sql import fetch_dicts, marks

MEMBER_FIELD = ("input", "memberId")
BENEFIT_FIELD = ("input", "benefitCode")


@dataclass(frozen=True)
class Refusal:
    """Why a member may not use a benefit: the listed reason and the error a use raises."""

    reason: str
    error: type[DomainError]
    message: str
    field: tuple[str, ...] = BENEFIT_FIELD

    def exception(self) -> DomainError:
        return self.error(self.message, self.field)


@dataclass(frozen=True)
class Eligibility:
    benefit: Benefit
    eligible: bool
    reason: str | None
    uses_left: int | None


def _period_day(period: BenefitPeriod, today: date) -> date:
    if period == BenefitPeriod.MONTH:
        return today.replace(day=1)
    if period == BenefitPeriod.QUARTER:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if period == BenefitPeriod.YEAR:
        return today.replace(month=1, day=1)
    return today


def period_start(benefit: Benefit, now: datetime) -> datetime | None:
    """Start of the calendar period (business time zone) whose uses count now; None for
    LIFETIME. A benefit without a limit counts its uses by the day."""
    period = benefit.usage_period or BenefitPeriod.DAY
    if period == BenefitPeriod.LIFETIME:
        return None
    return local_midnight(_period_day(period, local_date(now)))


def refusal(
    member: Member, benefit: Benefit, *, held: bool, used: int, now: datetime
) -> Refusal | None:
    """The first check the member fails for the benefit now, in DESIGN's order, or None."""
    if member.status == MemberStatus.SUSPENDED:
        return Refusal(
            "SUSPENDED", InvalidState, "A suspended member cannot use benefits.", MEMBER_FIELD
        )
    if member.status != MemberStatus.ACTIVE:
        return Refusal(
            "INACTIVE", InvalidState, "Only an ACTIVE member can use benefits.", MEMBER_FIELD
        )
    if not is_active(benefit, now):
        return Refusal("INACTIVE", NotEligible, "This benefit is not active now.")
    if not held:
        return Refusal("TIER", NotEligible, "The member's tier does not hold this benefit.")
    if benefit.category == BenefitCategory.BIRTHDAY and not _birthday_month(member, now):
        return Refusal("NOT_BIRTHDAY", NotEligible, "Usable only in the member's birthday month.")
    if benefit.usage_limit is not None and used >= benefit.usage_limit:
        return Refusal("LIMIT_REACHED", NotEligible, "The usage limit for this period is reached.")
    if member.points_balance < benefit.points_cost:
        return Refusal("INSUFFICIENT_POINTS", InsufficientPoints, "Not enough points.")
    return None


def _birthday_month(member: Member, now: datetime) -> bool:
    return member.birth_date is not None and member.birth_date.month == local_date(now).month


def uses_left(benefit: Benefit, used: int) -> int | None:
    if benefit.usage_limit is None:
        return None
    return max(benefit.usage_limit - used, 0)


async def uses_in_period(
    member_ids: Iterable[int], benefits: Iterable[Benefit], now: datetime, conn: Any = None
) -> dict[tuple[int, int], int]:
    """Unrevoked uses in each limited benefit's current period, by (member id, benefit id)."""
    windows: list[str] = []
    params: list[Any] = []
    for benefit in benefits:
        if benefit.usage_limit is None:
            continue
        start = period_start(benefit, now)
        if start is None:
            windows.append("benefit_id = ?")
            params.append(benefit.id)
        else:
            windows.append("(benefit_id = ? AND used_at >= ?)")
            params += [benefit.id, as_utc(start)]
    members = sorted(set(member_ids))
    if not windows or not members:
        return {}
    rows = await fetch_dicts(
        conn,
        "SELECT member_id, benefit_id, COUNT(id) AS uses FROM benefit_usage"
        f" WHERE ({' OR '.join(windows)}) AND member_id IN ({marks(len(members))})"
        " AND revoked = ? GROUP BY member_id, benefit_id",
        [*params, *members, False],
    )
    return {(row["member_id"], row["benefit_id"]): row["uses"] for row in rows}


async def eligibility_for(members: Sequence[Member], now: datetime) -> list[list[Eligibility]]:
    """Each member's tier benefits with their standing now, in the order of `members`.

    A constant number of queries for any number of members (DESIGN §6).
    """
    tier_ids = list({member.tier_id for member in members})
    held = dict(zip(tier_ids, await benefits_of_tiers(tier_ids, now), strict=True))
    catalogue = {benefit.id: benefit for benefits in held.values() for benefit in benefits}
    used = await uses_in_period((member.id for member in members), catalogue.values(), now)
    result = []
    for member in members:
        standings = []
        for benefit in held[member.tier_id]:
            count = used.get((member.id, benefit.id), 0)
            refused = refusal(member, benefit, held=True, used=count, now=now)
            standings.append(
                Eligibility(
                    benefit=benefit,
                    eligible=refused is None,
                    reason=refused.reason if refused else None,
                    uses_left=uses_left(benefit, count),
                )
            )
        result.append(standings)
    return result
