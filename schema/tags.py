"""Types of customer tags."""

from __future__ import annotations

import strawberry


@strawberry.type
class MemberTagsFields:
    """Member fields of customer tags, joined into Member (schema/members.py)."""
