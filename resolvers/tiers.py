"""The tiers domain's records by ID (resolvers/nodes.py)."""

from __future__ import annotations

from models.tier import Tier as TierModel
from resolvers.context import Context


async def tier_node(context: Context, pk: int) -> TierModel | None:
    return await context.loaders.tier_by_id.load(pk)
