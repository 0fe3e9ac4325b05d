"""Resolvers of the tiers domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class TiersQuery:
    """Root query fields of tiers (joined in schema/root.py)."""


@strawberry.type
class TiersMutation:
    """Root mutation fields of tiers (joined in schema/root.py)."""
