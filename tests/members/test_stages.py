"""Lifecycle stages (DESIGN §10): the first rule that holds, in the design's order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.settings import get_settings
from models.enums import LifecycleStage, TagCategory
from services.clock import utcnow
from services.members.stages import stages_of
from services.tags import assign_tag
from tests.factories import make_member, make_tiers
from tests.tags.helpers import active_tag

DAY = timedelta(days=1)


async def test_each_stage_by_its_rule_and_the_first_rule_wins(db):
    ladder = await make_tiers()
    regular, top = ladder[0], ladder[-1]
    now = utcnow()
    long_ago = now - 400 * DAY

    async def member(joined, bought=None, tier=regular):
        return await make_member(tier=tier, joined_at=joined, last_purchase_at=bought)

    new = await member(now - 89 * DAY)
    new_and_silent = await member(now - 10 * DAY)  # NEW comes before AT_RISK
    active = await member(long_ago, now - 89 * DAY)
    at_risk = await member(long_ago, now - 90 * DAY - DAY)
    never_bought = await member(now - 100 * DAY)  # counted from joining: AT_RISK
    churned = await member(long_ago, now - 181 * DAY)
    churned_at_the_top = await member(long_ago, now - 181 * DAY, tier=top)
    at_the_top = await member(long_ago, now - DAY, tier=top)
    vip = await member(long_ago, now - DAY)
    tag = await active_tag("vip", category=TagCategory.VALUE)  # as the demo spells it
    await assign_tag(vip.id, tag.code, None, now)

    stages = await stages_of(
        [
            m.id
            for m in (
                new,
                new_and_silent,
                active,
                at_risk,
                never_bought,
                churned,
                churned_at_the_top,
                at_the_top,
                vip,
            )
        ],
        now,
    )

    assert [stages[m.id] for m in (new, new_and_silent, active, at_risk, never_bought)] == [
        LifecycleStage.NEW,
        LifecycleStage.NEW,
        LifecycleStage.ACTIVE,
        LifecycleStage.AT_RISK,
        LifecycleStage.AT_RISK,
    ]
    assert [stages[m.id] for m in (churned, churned_at_the_top, at_the_top, vip)] == [
        LifecycleStage.CHURNED,
        LifecycleStage.CHURNED,
        LifecycleStage.HIGH_VALUE,
        LifecycleStage.HIGH_VALUE,
    ]


@pytest.fixture
def short_at_risk(monkeypatch):
    monkeypatch.setenv("MEMBERHUB_AT_RISK_DAYS", "30")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_the_top_two_ranks_are_high_value(db):
    ladder = await make_tiers()
    now = utcnow()
    second = await make_member(tier=ladder[-2], joined_at=now - 400 * DAY, last_purchase_at=now)
    third = await make_member(tier=ladder[-3], joined_at=now - 400 * DAY, last_purchase_at=now)
    stages = await stages_of([second.id, third.id], now)
    assert (stages[second.id], stages[third.id]) == (
        LifecycleStage.HIGH_VALUE,
        LifecycleStage.ACTIVE,
    )


async def test_the_thresholds_are_settings(db, short_at_risk):
    await make_tiers()
    now = utcnow()
    lapsed = await make_member(joined_at=now - 400 * DAY, last_purchase_at=now - 31 * DAY)
    assert (await stages_of([lapsed.id], now))[lapsed.id] is LifecycleStage.AT_RISK
