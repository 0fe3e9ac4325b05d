"""A member's lifecycle stage (DESIGN §10): NEW, CHURNED, AT_RISK, HIGH_VALUE, else
ACTIVE, the first that holds in that order.

One definition, as SQL over the member row `m` and its tier `t`: the field, the segment
filter, the tag rule field, the insights' distribution and the programmes' selection all
read the stage through `stage_sql`, so none can drift from the others.

Decisions the design leaves open:
- "No purchase for N days" counts from the latest purchase recorded (`last_purchase_at`),
  or from joining for a member who never bought: a member who joined 100 days ago and
  never bought is AT_RISK, not CHURNED.
- "The top two tier ranks" are the two highest ranks of the ladder (the only one of a
  ladder of one).
- A VALUE tag with code VIP counts while the member holds it, manual or by rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from core.settings import get_settings
from models.enums import LifecycleStage, TagCategory
from models.member import Member
from models.tier import Tier
from services.clock import as_utc
from shortcuts.sql import SqlTerm, fetch_dicts, marks

VIP_CODE = "VIP"
# Days without a purchase count from here: the latest purchase, else joining.
_LAST_SEEN = "COALESCE(m.last_purchase_at, m.joined_at)"
_IS_VIP = (
    "EXISTS (SELECT 1 FROM member_tag vt JOIN tag_definition vd ON vd.id = vt.tag_id"
    " WHERE vt.member_id = m.id AND vd.code = ? AND vd.category = ?)"
)
_CASE = (
    "CASE WHEN m.joined_at > ? THEN 'NEW'"
    f" WHEN {_LAST_SEEN} <= ? THEN 'CHURNED'"
    f" WHEN {_LAST_SEEN} <= ? THEN 'AT_RISK'"
    f" WHEN t.rank >= ? OR {_IS_VIP} THEN 'HIGH_VALUE'"
    " ELSE 'ACTIVE' END"
)


@dataclass(frozen=True)
class StageSql:
    """The stage as a SQL expression over `member m JOIN tier t`, with its parameters."""

    text: str
    params: tuple[object, ...]


async def stage_sql(now: datetime) -> StageSql:
    """The stage expression as of `now` (reads the ladder's ranks: one statement)."""
    settings = get_settings()
    now = as_utc(now)
    ranks = sorted(await Tier.all().values_list("rank", flat=True), reverse=True)
    top_rank = ranks[min(1, len(ranks) - 1)] if ranks else 0
    return StageSql(
        _CASE,
        (
            now - timedelta(days=settings.new_days),
            now - timedelta(days=settings.churn_days),
            now - timedelta(days=settings.at_risk_days),
            top_rank,
            VIP_CODE,
            TagCategory.VALUE.value,
        ),
    )


async def stages_of(member_ids: Sequence[int], now: datetime) -> dict[int, LifecycleStage]:
    """The stage of each member as of `now`, by id: two statements for any number."""
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        return {}
    stage = await stage_sql(now)
    rows = await fetch_dicts(
        None,
        f"SELECT m.id AS id, {stage.text} AS stage FROM member m JOIN tier t ON t.id = m.tier_id"
        f" WHERE m.id IN ({marks(len(ids))})",
        (*stage.params, *ids),
    )
    return {row["id"]: LifecycleStage(row["stage"]) for row in rows}


async def in_stages(
    members: QuerySet[Member], stages: Sequence[LifecycleStage], now: datetime
) -> QuerySet[Member]:
    """`members` narrowed to those at one of `stages` as of `now`: an id subquery, the
    stage of each candidate read by its key (one statement more, the ladder's ranks)."""
    stage = await stage_sql(now)
    of_row = SqlTerm(
        f"(SELECT {stage.text} FROM member m JOIN tier t ON t.id = m.tier_id"
        ' WHERE m.id = "member"."id")',
        stage.params,
    )
    wanted = [LifecycleStage(s).value for s in dict.fromkeys(stages)]
    at_stage = Member.annotate(lifecycle_stage=of_row).filter(lifecycle_stage__in=wanted)
    return members.filter(id__in=Subquery(at_stage.values("id")))
