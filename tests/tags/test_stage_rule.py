"""The tag rule field lifecycleStage: the stage as stages_of reads it, explained, and
refused in the rule of the VIP tag the stage reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.ids import to_global_id
from core.settings import get_settings
from models.enums import LifecycleStage, Role, TagCategory
from services.clock import utcnow
from services.errors import Invalid
from services.members.stages import stages_of
from tests.factories import make_member, make_tiers
from tests.tags.helpers import active_tag, carriers

DAY = timedelta(days=1)
EXPLAINED = """query($id: ID!) { member(id: $id) { tags { tag { code }
  explanation { conditions { field memberValue met } } } } }"""


async def _lapsing_and_new():
    settings = get_settings()
    await make_tiers()
    now = utcnow()
    long_ago = now - (settings.churn_days + 10) * DAY
    lapsing = await make_member(
        joined_at=long_ago, last_purchase_at=now - (settings.at_risk_days + 1) * DAY
    )
    new = await make_member(joined_at=now - DAY)
    stages = await stages_of([lapsing.id, new.id], now)
    assert (stages[lapsing.id], stages[new.id]) == (LifecycleStage.AT_RISK, LifecycleStage.NEW)
    return lapsing, new


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [("eq", "AT_RISK", "lapsing"), ("ne", "AT_RISK", "new"), ("in", ["NEW", "CHURNED"], "new")],
)
async def test_a_rule_tag_holds_by_the_stage(db, op, value, expected):
    lapsing, new = await _lapsing_and_new()
    await active_tag("STAGED", {"field": "lifecycleStage", "op": op, "value": value})
    assert await carriers("STAGED") == {{"lapsing": lapsing, "new": new}[expected].id}


async def test_the_explanation_shows_the_stage(as_role):
    lapsing, _ = await _lapsing_and_new()
    await active_tag("LAPSING", {"field": "lifecycleStage", "op": "eq", "value": "AT_RISK"})
    analyst = await as_role(Role.ANALYST)
    result = await analyst(EXPLAINED, {"id": to_global_id("Member", lapsing.id)})
    [tag] = result["data"]["member"]["tags"]
    assert tag["explanation"]["conditions"] == [
        {"field": "lifecycleStage", "memberValue": "AT_RISK", "met": True}
    ]


@pytest.mark.parametrize("value", ["LOST", None, 3])
async def test_a_stage_not_of_the_list_is_invalid(db, value):
    with pytest.raises(Invalid):
        await active_tag("BAD", {"field": "lifecycleStage", "op": "eq", "value": value})


async def test_the_vip_tag_may_not_read_the_stage_it_makes(db):
    rule = {"any": [{"field": "lifecycleStage", "op": "eq", "value": "HIGH_VALUE"}]}
    with pytest.raises(Invalid, match="VIP"):
        await active_tag("VIP", rule, category=TagCategory.VALUE)
    # Another family's VIP is not the one the stage reads
    await active_tag("VIP", rule, category=TagCategory.BEHAVIOR)
