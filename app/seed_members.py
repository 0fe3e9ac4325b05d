"""Demo members (issue 3 fills this in through services/members)."""

from __future__ import annotations


async def seed(count: int) -> list[int]:
    return []
