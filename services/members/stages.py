"""A member's lifecycle stage (DESIGN §10): NEW, CHURNED, AT_RISK, HIGH_VALUE, else
ACTIVE, the first that holds in that order.

One definition, as SQL over the member row `m` and its tier `t`: the field, the segment
filter, the tag rule field, the insights' distribution and the programmes' selection all
read the stage through `stage_sql` (the expression: services/stage_sql.py), so none can
drift from the others.

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
from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.enums import LifecycleStage
from models.member import Member
from services.stage_sql import STAGE_CASE, VIP_PARAMS, stage_bounds
from shortcuts.sql import SqlTerm, fetch_dicts, marks


@dataclass(frozen=True)
class StageSql:
    """The stage as a SQL expression over `member m JOIN tier t`, with its parameters."""

    text: str
    params: tuple[object, ...]


async def stage_sql(now: datetime) -> StageSql:
    """The stage expression as of `now` (reads nothing: awaited as its callers always have)."""
    return StageSql(STAGE_CASE, (*stage_bounds(now), *VIP_PARAMS))


async def stages_of(member_ids: Sequence[int], now: datetime) -> dict[int, LifecycleStage]:
    """The stage of each member as of `now`, by id: one statement for any number."""
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
    stage of each candidate read by its key (no statement more)."""
    stage = await stage_sql(now)
    of_row = SqlTerm(
        f"(SELECT {stage.text} FROM member m JOIN tier t ON t.id = m.tier_id"
        ' WHERE m.id = "member"."id")',
        stage.params,
    )
    wanted = [LifecycleStage(s).value for s in dict.fromkeys(stages)]
    at_stage = Member.annotate(lifecycle_stage=of_row).filter(lifecycle_stage__in=wanted)
    return members.filter(id__in=Subquery(at_stage.values("id")))
