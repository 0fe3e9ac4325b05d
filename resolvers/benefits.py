"""Resolvers of the benefits domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class BenefitsQuery:
    """Root query fields of benefits (joined in schema/root.py)."""


@strawberry.type
class BenefitsMutation:
    """Root mutation fields of benefits (joined in schema/root.py)."""
