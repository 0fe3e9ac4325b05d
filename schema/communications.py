"""Types of communications and service cases."""

from __future__ import annotations

import strawberry


@strawberry.type
class MemberCommunicationsFields:
    """Member fields of communications and service cases, joined into Member (schema/members.py)."""
