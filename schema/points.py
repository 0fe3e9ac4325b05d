"""Types of the points ledger and purchases."""

from __future__ import annotations

import strawberry


@strawberry.type
class MemberPointsFields:
    """Member fields of the points ledger and purchases, joined into Member (schema/members.py)."""
