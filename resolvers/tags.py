"""Tag definitions by ID (resolvers/nodes.py), for whom Query.tagDefinitions admits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from auth.errors import denial
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.context import Context
from services.clock import utcnow
from services.insights import window
from services.outreach import clean_days
from services.reference_data import reference_data
from services.tags import Utilisation, utilisation

# A tag, and the window and days its utilisation is read over.
UseKey = tuple[int, datetime, datetime, int]


async def tag_by_id(keys: Sequence[int]) -> list[TagDefinitionModel | None]:
    """Tag definitions from the reference data kept in memory (services/reference_data.py)."""
    tags = (await reference_data()).tags
    return [tags.get(key) for key in keys]


async def tag_node(context: Context, pk: int) -> TagDefinitionModel | None:
    if not context.cell(("Query", "tagDefinitions")).allowed:
        raise denial(context.actor.is_anonymous, "tag definitions")
    return await context.loaders.get(tag_by_id).load(pk)


async def _utilisations(keys: Sequence[UseKey]) -> list[Utilisation]:
    by_window: defaultdict[tuple[datetime, datetime, int], set[int]] = defaultdict(set)
    for tag_id, start, end, days in keys:
        by_window[start, end, days].add(tag_id)
    found: dict[UseKey, Utilisation] = {}
    for (start, end, days), tag_ids in by_window.items():
        for tag_id, used in (await utilisation(sorted(tag_ids), start, end, days)).items():
            found[tag_id, start, end, days] = used
    return [found.get(key, Utilisation()) for key in keys]


async def utilisation_of(
    context: Context, tag_id: int, start: datetime, end: datetime, days: int
) -> Utilisation:
    """A tag's utilisation over [start, end) (batched: a list of tags reads them at once).
    Invalid when start lies after end or days is not 1 to 365."""
    start, end = window(start, end, utcnow())
    return await context.loaders.get(_utilisations).load((tag_id, start, end, clean_days(days)))
