"""Types of benefits and their usages."""

from __future__ import annotations

import strawberry


@strawberry.type
class MemberBenefitsFields:
    """Member fields of benefits and their usages, joined into Member (schema/members.py)."""
