"""Resolvers of the communications domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class CommunicationsQuery:
    """Root query fields of communications (joined in schema/root.py)."""


@strawberry.type
class CommunicationsMutation:
    """Root mutation fields of communications (joined in schema/root.py)."""
