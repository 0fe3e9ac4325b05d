"""Resolvers of the tags domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class TagsQuery:
    """Root query fields of tags (joined in schema/root.py)."""


@strawberry.type
class TagsMutation:
    """Root mutation fields of tags (joined in schema/root.py)."""
