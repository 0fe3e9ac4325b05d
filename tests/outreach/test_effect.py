"""The effect arithmetic (DESIGN §10) on hand-made data with a known answer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.enums import OutreachKind
from services.clock import utcnow
from services.db import transaction
from services.errors import Invalid
from services.outreach import Draw, clean_days, effects, record_outreach
from services.outreach.effect import _Group, effect_of
from tests.factories import make_member, make_purchase


def test_the_uplift_and_its_95_percent_interval():
    # 12 % of 1,000 against 8 % of 100: 0.04 ± 1.96 √(.12·.88/1000 + .08·.92/100).
    effect = effect_of(_Group(1000, 120, Decimal(6000)), _Group(100, 8, Decimal(300)))
    assert effect.uplift == pytest.approx(0.04)
    assert effect.uplift_low == pytest.approx(-0.016859, abs=1e-6)
    assert effect.uplift_high == pytest.approx(0.096859, abs=1e-6)
    assert (effect.spend_per_contacted, effect.spend_per_held_out) == (
        Decimal("6.00"),
        Decimal("3.00"),
    )


def test_with_nobody_held_out_there_is_nothing_to_compare():
    effect = effect_of(_Group(10, 3, Decimal(90)), _Group())
    assert (effect.conversion_contacted, effect.conversion_held_out) == (0.3, None)
    assert (effect.uplift, effect.uplift_low, effect.uplift_high) == (None, None, None)
    assert effect.spend_per_held_out is None


@pytest.mark.parametrize("days", [0, 366])
def test_days_outside_one_to_a_year_are_invalid(days):
    with pytest.raises(Invalid):
        clean_days(days)


async def test_purchases_within_the_days_after_the_outreach_count(db):
    at = utcnow() - timedelta(days=40)
    a, b, c, d, e, f = [await make_member() for _ in range(6)]
    await make_purchase(a, "100.00", at + timedelta(days=1))
    await make_purchase(b, "50.00", at + timedelta(days=2))
    await make_purchase(b, "30.00", at + timedelta(days=3), refunded="30.00")  # not an order
    await make_purchase(c, "200.00", at - timedelta(days=1))  # before
    await make_purchase(c, "80.00", at + timedelta(days=31))  # after the 30 days
    await make_purchase(e, "40.00", at + timedelta(days=5), refunded="10.00")
    drawn = Draw([a.id, b.id, c.id, d.id], [e.id, f.id])
    async with transaction() as conn:
        outreach = await record_outreach(conn, OutreachKind.SEND, at, 1, 0.3, drawn)
        other = await record_outreach(conn, OutreachKind.SEND, at, 2, 0.0, Draw([c.id], []))

    found = await effects([outreach, other], 30)

    effect = found[outreach.id]
    assert (effect.contacted, effect.converted_contacted) == (4, 2)
    assert (effect.held_out, effect.converted_held_out) == (2, 1)
    assert (effect.conversion_contacted, effect.conversion_held_out, effect.uplift) == (0.5, 0.5, 0)
    assert effect.uplift_high == pytest.approx(1.959964 * (0.25 / 4 + 0.25 / 2) ** 0.5)
    assert (effect.spend_per_contacted, effect.spend_per_held_out) == (
        Decimal("37.50"),
        Decimal("15.00"),
    )
    assert found[other.id].converted_contacted == 0
    assert (await effects([other], 32))[other.id].converted_contacted == 1
