"""Demo communications (filled in by its issue through services/communications)."""

from __future__ import annotations

from models.staff import StaffUser


async def seed(member_ids: list[int], staff: list[StaffUser]) -> None:
    return None
