"""A tag's utilisation over a window [from, to), as the tag policy judges tags: how often
it was used to choose members, how many members those uses reached, and the business
they brought; and the quarterly evaluation of every tag by it.

`purchasesAfter` counts the purchases (not refunded in full) that the members a use
reached made within `days` after it. Only a use that contacted an audience recorded who
it reached (a send: its contacted members, from OutreachMember); a search, a campaign's
approval and any use without an outreach add none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from models.enums import TagStatus
from models.tag import TagDefinition, TagUse
from services.orders import KEPT_ORDER
from services.outreach import clean_days
from shortcuts.sql import fetch_dicts, marks

# Outreaches per statement of their purchases: SQLite compounds at most 500 SELECTs.
OUTREACHES_PER_STATEMENT = 100
_PURCHASES_AFTER = (
    "SELECT om.outreach_id AS outreach_id, COUNT(p.id) AS purchases"
    " FROM outreach_member om JOIN purchase p ON p.member_id = om.member_id"
    f" AND p.occurred_at >= ? AND p.occurred_at < ? AND {KEPT_ORDER}"
    " WHERE om.outreach_id = ? AND om.held_out = ? GROUP BY om.outreach_id"
)


@dataclass(frozen=True)
class Utilisation:
    uses: int = 0
    members_reached: int = 0
    purchases_after: int = 0


@dataclass(frozen=True)
class TagEvaluation:
    tag: TagDefinition
    utilisation: Utilisation


async def utilisation(
    tag_ids: Sequence[int] | None, start: datetime, end: datetime, days: int
) -> dict[int, Utilisation]:
    """The utilisation of each tag (of `tag_ids`, or every tag) used in [start, end), by
    tag id; tags unused in the window are absent. Three statements, whatever the tags
    (one more per 100 sends that used them)."""
    days = clean_days(days)
    uses = TagUse.filter(used_at__gte=start, used_at__lt=end)
    if tag_ids is not None:
        uses = uses.filter(tag_id__in=list(set(tag_ids)))
    tag_filter = f" AND tag_id IN ({marks(len(set(tag_ids)))})" if tag_ids is not None else ""
    totals = await fetch_dicts(
        None,
        "SELECT tag_id, COUNT(*) AS uses, SUM(members_reached) AS reached FROM tag_use"
        f" WHERE used_at >= ? AND used_at < ?{tag_filter} GROUP BY tag_id",
        (start, end, *sorted(set(tag_ids or ()))),
    )
    reaching = await uses.exclude(outreach_id=None).values_list("tag_id", "outreach_id", "used_at")
    purchases = await _purchases_after({o: at for _, o, at in reaching}, days)
    after: dict[int, int] = {}
    for tag_id, outreach_id, _ in reaching:
        after[tag_id] = after.get(tag_id, 0) + purchases.get(outreach_id, 0)
    return {
        row["tag_id"]: Utilisation(
            int(row["uses"]), int(row["reached"] or 0), after.get(row["tag_id"], 0)
        )
        for row in totals
    }


async def _purchases_after(used_at: dict[int, datetime], days: int) -> dict[int, int]:
    """Purchases of each outreach's contacted members within `days` after its use."""
    found: dict[int, int] = {}
    outreaches = sorted(used_at)
    for start in range(0, len(outreaches), OUTREACHES_PER_STATEMENT):
        chunk = outreaches[start : start + OUTREACHES_PER_STATEMENT]
        params: list[Any] = []
        for outreach_id in chunk:
            at = used_at[outreach_id]
            params += [at, at + timedelta(days=days), outreach_id, False]
        rows = await fetch_dicts(None, " UNION ALL ".join([_PURCHASES_AFTER] * len(chunk)), params)
        found.update({row["outreach_id"]: int(row["purchases"]) for row in rows})
    return found


async def tag_evaluation(start: datetime, end: datetime, days: int) -> list[TagEvaluation]:
    """The quarterly evaluation: every ACTIVE tag, and every RETIRED one used in the
    window, by code, with its utilisation over [start, end)."""
    used = await utilisation(None, start, end, days)
    evaluated = Q(status=TagStatus.ACTIVE) | Q(status=TagStatus.RETIRED, id__in=list(used))
    tags = await TagDefinition.filter(evaluated).order_by("code")
    return [TagEvaluation(tag, used.get(tag.id, Utilisation())) for tag in tags]
