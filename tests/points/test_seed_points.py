"""The demo purchases: two years of history through the services, with a sound ledger."""

from __future__ import annotations

from datetime import timedelta

from app import seed_points
from models.points import PointsEntry, Purchase
from services.clock import as_utc, utcnow
from services.points import verify_ledger
from tests.factories import make_member


async def test_seed_gives_two_years_of_purchases_and_a_sound_ledger():
    now = utcnow()
    members = [await make_member(joined_at=now - timedelta(days=1000)) for _ in range(6)]
    await seed_points.seed([m.id for m in members], progress=False)
    purchases = await Purchase.all()
    assert {p.member_id for p in purchases} == {m.id for m in members}
    times = [as_utc(p.occurred_at) for p in purchases]
    assert min(times) >= now - timedelta(days=731) and max(times) <= utcnow()
    assert max(times) - min(times) > timedelta(days=365)
    assert await PointsEntry.filter(kind="EARN").count() > 0
    assert await verify_ledger() == []
