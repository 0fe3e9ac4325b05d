"""The demo catalogue of `memberhub seed-demo`."""

from __future__ import annotations

from app import seed_benefits
from app.seed import seed_tiers
from models.benefit import Benefit, BenefitTier
from models.enums import BenefitCategory


async def test_seed_covers_every_category_and_tier_and_can_run_twice(db):
    await seed_tiers()
    await seed_benefits.seed()
    await seed_benefits.seed()

    benefits = await Benefit.all()
    assert len(benefits) == len(seed_benefits.catalogue())
    assert {b.category for b in benefits} == set(BenefitCategory)
    held = set(await BenefitTier.all().values_list("tier__code", flat=True))
    assert held == set(seed_benefits.ALL_TIERS)
