"""Demo benefits (issue 5 fills this in through services/benefits)."""

from __future__ import annotations


async def seed() -> None:
    return None
