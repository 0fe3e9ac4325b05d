"""Resolvers of the points domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class PointsQuery:
    """Root query fields of points (joined in schema/root.py)."""


@strawberry.type
class PointsMutation:
    """Root mutation fields of points (joined in schema/root.py)."""
