"""Demo purchases (issue 4 fills this in through services/points)."""

from __future__ import annotations


async def seed(member_ids: list[int]) -> None:
    return None
