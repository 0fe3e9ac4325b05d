"""Dashboard figures (contract type Insights), each one SQL aggregate over a window.

The window is half-open, [from, to): adjacent windows never count a record twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from core.settings import get_settings
from models.communication import Communication, ServiceCase
from models.enums import (
    CaseKind,
    CommunicationCategory,
    LifecycleStage,
    MemberStatus,
    PointsEntryKind,
)
from models.member import Member
from models.points import PointsEntry, Purchase
from models.tier import Tier
from services.campaigns.figures import CampaignFigures, campaign_figures
from services.clock import as_utc
from services.errors import Invalid
from services.members.stages import stage_sql
from shortcuts.sql import fetch_dicts

DEFAULT_WINDOW = timedelta(days=30)
# Scores at or above this count as satisfied (DESIGN §2: the policy target is 90 %).
SATISFIED_SCORE = 4
SATISFACTION_TARGET = 0.9
SURVEY = CommunicationCategory.SURVEY


@dataclass(frozen=True)
class Insights:
    start: datetime
    end: datetime
    active_members: int
    new_members: int
    terminated_members: int
    tier_distribution: list[tuple[Tier, int]]
    stage_distribution: list[tuple[LifecycleStage, int]]
    points_outstanding: int
    points_earned: int
    points_redeemed: int
    points_expired: int
    churn_rate: float
    satisfaction_rate: float | None
    # The same share for surveys (category SURVEY: respondToSurvey's answers and survey
    # contacts staff log) and for every other score (the service's contacts and cases):
    # satisfaction_rate counts both.
    satisfaction_rate_surveys: float | None
    satisfaction_rate_cases: float | None
    response_sla_rate: float | None
    resolution_sla_rate: float | None
    campaigns: list[CampaignFigures]


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to): to defaults to now, from to 30 days before to. Raises Invalid if reversed."""
    end = as_utc(end) if end is not None else now
    start = as_utc(start) if start is not None else end - DEFAULT_WINDOW
    if start > end:
        raise Invalid("from must not lie after to.", ("from",))
    return start, end


async def _aggregate(queryset: QuerySet[Any], **aggregates: Any) -> dict[str, Any]:
    """One row of aggregates over a whole queryset (no GROUP BY)."""
    rows = await queryset.annotate(**aggregates).values(*aggregates)
    return rows[0] if rows else dict.fromkeys(aggregates)


async def _points(kind: PointsEntryKind, start: datetime, end: datetime) -> int:
    queryset = PointsEntry.filter(kind=kind, created_at__gte=start, created_at__lt=end)
    total = (await _aggregate(queryset, total=Sum("points")))["total"]
    return int(total or 0)


async def _tier_distribution() -> list[tuple[Tier, int]]:
    counts = dict(
        await Member.filter(status=MemberStatus.ACTIVE)
        .annotate(members=Count("id"))
        .group_by("tier_id")
        .values_list("tier_id", "members")
    )
    return [(tier, counts.get(tier.id, 0)) for tier in await Tier.all().order_by("rank")]


async def _stage_distribution(now: datetime) -> list[tuple[LifecycleStage, int]]:
    """ACTIVE members per lifecycle stage now, every stage listed: one grouped statement."""
    stage = await stage_sql(now)
    rows = await fetch_dicts(
        None,
        f"SELECT {stage.text} AS stage, COUNT(*) AS members"
        " FROM member m JOIN tier t ON t.id = m.tier_id WHERE m.status = ? GROUP BY 1",
        (*stage.params, MemberStatus.ACTIVE.value),
    )
    counts = {row["stage"]: int(row["members"]) for row in rows}
    return [(s, counts.get(s.value, 0)) for s in LifecycleStage]


async def _churn_rate(end: datetime, active: int) -> float:
    if not active:
        return 0.0
    recent = Purchase.filter(
        occurred_at__gte=end - timedelta(days=get_settings().churn_days), occurred_at__lt=end
    ).values("member_id")
    churned = (
        await Member.filter(status=MemberStatus.ACTIVE).exclude(id__in=Subquery(recent)).count()
    )
    return churned / active


async def _share(queryset: QuerySet[Any], met: Q) -> float | None:
    """Share of the rows of `queryset` that satisfy `met`; None when there are none."""
    row = await _aggregate(queryset, total=Count("id"), met=Count("id", _filter=met))
    total = row["total"] or 0
    return (row["met"] or 0) / total if total else None


async def _member_counts(start: datetime, end: datetime) -> tuple[int, int, int]:
    active = await Member.filter(status=MemberStatus.ACTIVE).count()
    joined = await Member.filter(joined_at__gte=start, joined_at__lt=end).count()
    terminated = await Member.filter(terminated_at__gte=start, terminated_at__lt=end).count()
    return active, joined, terminated


async def insights(start: datetime | None, end: datetime | None, now: datetime) -> Insights:
    """The dashboard for [from, to). Raises Invalid when from lies after to."""
    start, end = window(start, end, now)
    active, joined, terminated = await _member_counts(start, end)
    outstanding = (await _aggregate(Member.all(), total=Sum("points_balance")))["total"]
    cases = ServiceCase.filter(opened_at__gte=start, opened_at__lt=end)
    satisfied = Q(satisfaction_score__gte=SATISFIED_SCORE)
    scored = Communication.filter(
        satisfaction_score__isnull=False, occurred_at__gte=start, occurred_at__lt=end
    )
    return Insights(
        start=start,
        end=end,
        active_members=active,
        new_members=joined,
        terminated_members=terminated,
        tier_distribution=await _tier_distribution(),
        stage_distribution=await _stage_distribution(now),
        points_outstanding=int(outstanding or 0),
        points_earned=await _points(PointsEntryKind.EARN, start, end),
        points_redeemed=-await _points(PointsEntryKind.REDEEM, start, end),
        points_expired=-await _points(PointsEntryKind.EXPIRE, start, end),
        churn_rate=await _churn_rate(end, active),
        satisfaction_rate=await _share(scored, satisfied),
        satisfaction_rate_surveys=await _share(scored.filter(category=SURVEY), satisfied),
        satisfaction_rate_cases=await _share(scored.exclude(category=SURVEY), satisfied),
        response_sla_rate=await _share(cases, Q(first_responded_at__lte=F("response_due_at"))),
        resolution_sla_rate=await _share(
            cases.filter(kind=CaseKind.COMPLAINT), Q(resolved_at__lte=F("resolution_due_at"))
        ),
        campaigns=await campaign_figures(start, end),
    )
