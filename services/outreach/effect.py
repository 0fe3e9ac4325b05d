"""The effect of an outreach: how those contacted bought in the days after it, against
those held out (DESIGN §10 "Effect").

A member converted when they made a purchase, not refunded in full, within `days` of
the outreach. The uplift is the difference of the two conversion shares, with a 95 %
interval by the normal approximation of the difference of two proportions (Wald):
uplift ± 1.96 √(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀). With nobody held out there is nothing to
compare, and the held-out figures and the uplift are null.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from models.outreach import Outreach
from services.errors import Invalid
from services.orders import KEPT_ORDER
from shortcuts.sql import fetch_dicts

DEFAULT_DAYS = 30
MAX_DAYS = 365
Z_95 = 1.959964
CENT = Decimal("0.01")

# Per group of one outreach: its members, those who bought within the days, and their
# spend net of refunds. One SELECT per outreach, joined by UNION ALL into one statement.
_GROUPS = (
    "SELECT om.outreach_id AS outreach_id, om.held_out AS held_out,"
    " COUNT(DISTINCT om.member_id) AS members, COUNT(DISTINCT p.member_id) AS converted,"
    " SUM(CAST(p.amount AS NUMERIC) - CAST(p.refunded_amount AS NUMERIC)) AS spend"
    " FROM outreach_member om LEFT JOIN purchase p ON p.member_id = om.member_id"
    f" AND p.occurred_at >= ? AND p.occurred_at < ? AND {KEPT_ORDER}"
    " WHERE om.outreach_id = ? GROUP BY om.outreach_id, om.held_out"
)


@dataclass(frozen=True)
class Effect:
    contacted: int
    held_out: int
    converted_contacted: int
    converted_held_out: int
    conversion_contacted: float | None
    conversion_held_out: float | None
    uplift: float | None
    uplift_low: float | None
    uplift_high: float | None
    spend_per_contacted: Decimal | None
    spend_per_held_out: Decimal | None


@dataclass(frozen=True)
class _Group:
    members: int = 0
    converted: int = 0
    spend: Decimal = Decimal(0)

    @property
    def conversion(self) -> float | None:
        return self.converted / self.members if self.members else None

    @property
    def spend_per_member(self) -> Decimal | None:
        return (self.spend / self.members).quantize(CENT) if self.members else None


def clean_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"days is from 1 to {MAX_DAYS}.", ("days",))
    return days


def effect_of(contacted: _Group, held: _Group) -> Effect:
    """The figures of two groups, the arithmetic alone (tested on hand-made counts)."""
    p1, p0 = contacted.conversion, held.conversion
    uplift = low = high = None
    if p1 is not None and p0 is not None:
        uplift = p1 - p0
        error = math.sqrt(p1 * (1 - p1) / contacted.members + p0 * (1 - p0) / held.members)
        low, high = uplift - Z_95 * error, uplift + Z_95 * error
    return Effect(
        contacted=contacted.members,
        held_out=held.members,
        converted_contacted=contacted.converted,
        converted_held_out=held.converted,
        conversion_contacted=p1,
        conversion_held_out=p0,
        uplift=uplift,
        uplift_low=low,
        uplift_high=high,
        spend_per_contacted=contacted.spend_per_member,
        spend_per_held_out=held.spend_per_member,
    )


async def effects(outreaches: Sequence[Outreach], days: int) -> dict[int, Effect]:
    """The effect of each outreach over the `days` after it, by outreach id: one statement."""
    if not outreaches:
        return {}
    params: list[Any] = []
    for outreach in outreaches:
        params += [outreach.at, outreach.at + timedelta(days=days), outreach.id]
    text = " UNION ALL ".join([_GROUPS] * len(outreaches))
    groups: dict[tuple[int, bool], _Group] = {
        (row["outreach_id"], bool(row["held_out"])): _group(row)
        for row in await fetch_dicts(None, text, params)
    }
    return {
        o.id: effect_of(groups.get((o.id, False), _Group()), groups.get((o.id, True), _Group()))
        for o in outreaches
    }


def _group(row: dict[str, Any]) -> _Group:
    spend = row["spend"]
    return _Group(
        members=int(row["members"]),
        converted=int(row["converted"]),
        # SQLite sums NUMERIC as a float: its cents are rounded back.
        spend=Decimal(str(spend)).quantize(CENT) if spend is not None else Decimal(0),
    )
