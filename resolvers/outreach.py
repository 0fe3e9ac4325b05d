"""The effect of outreaches (programme runs, sends), batched: a page of runs asking for
their effect is one statement per distinct `days`, whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from models.outreach import Outreach
from resolvers.context import Context
from services.outreach import Effect, clean_days, effects


async def _effects(keys: Sequence[tuple[int, int]]) -> list[Effect]:
    by_days: defaultdict[int, set[int]] = defaultdict(set)
    for outreach_id, days in keys:
        by_days[days].add(outreach_id)
    outreaches = {o.id: o for o in await Outreach.filter(id__in={k[0] for k in keys})}
    found: dict[tuple[int, int], Effect] = {}
    for days, ids in by_days.items():
        for outreach_id, effect in (await effects([outreaches[i] for i in ids], days)).items():
            found[outreach_id, days] = effect
    return [found[key] for key in keys]


async def effect_of(context: Context, outreach_id: int, days: int) -> Effect:
    """The outreach's effect over the `days` after it (1 to 365, else INVALID)."""
    return await context.loaders.get(_effects).load((outreach_id, clean_days(days)))
