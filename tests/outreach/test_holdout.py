"""The holdout draw (DESIGN §10): reproducible from the recorded seed, near the share,
independent of the audience's order, and recorded with the outreach."""

from __future__ import annotations

import pytest

from models.enums import OutreachKind, TagUseKind
from models.outreach import Outreach, OutreachMember
from models.tag import TagUse
from services.clock import utcnow
from services.db import transaction
from services.errors import Invalid
from services.outreach import clean_share, draw, new_seed, record_outreach
from services.tags.uses import record_tag_uses
from tests.factories import make_member
from tests.tags.helpers import active_tag


def test_the_draw_is_the_same_from_the_same_seed_in_any_order():
    audience = list(range(1, 2001))
    first = draw(audience, 0.1, 42)
    again = draw(list(reversed(audience)), 0.1, 42)
    assert sorted(first.held_out) == sorted(again.held_out)
    assert sorted(first.contacted + first.held_out) == audience
    assert draw(audience, 0.1, 43).held_out != first.held_out


def test_the_held_out_share_is_near_the_share_asked():
    # 10,000 members at 10 %: the binomial's sd is 30, so 900..1100 is over six of them.
    held = len(draw(range(10_000), 0.1, new_seed()).held_out)
    assert 900 <= held <= 1100


def test_no_share_holds_nobody_out():
    assert draw([1, 2, 3], 0.0, 7).held_out == []


@pytest.mark.parametrize("share", [-0.1, 0.51, float("nan"), float("inf")])
def test_a_share_outside_zero_to_a_half_is_invalid(share):
    with pytest.raises(Invalid) as refused:
        clean_share(share, ("input", "holdout"))
    assert refused.value.field == ["input", "holdout"]


async def test_an_outreach_records_who_was_contacted_and_who_held_out(db):
    members = [(await make_member()).id for _ in range(6)]
    drawn = draw(members, 0.5, 9)
    async with transaction() as conn:
        outreach = await record_outreach(conn, OutreachKind.SEND, utcnow(), 9, 0.5, drawn)
    stored = await Outreach.get(id=outreach.id)
    assert (stored.seed, stored.contacted, stored.held_out) == (
        9,
        len(drawn.contacted),
        len(drawn.held_out),
    )
    rows = await OutreachMember.filter(outreach_id=outreach.id).values_list("member_id", "held_out")
    assert sorted(rows) == sorted(
        [(m, False) for m in drawn.contacted] + [(m, True) for m in drawn.held_out]
    )
    # Drawn again from the recorded seed and share: the same members held out.
    assert draw(members, stored.holdout_share, stored.seed).held_out == drawn.held_out


async def test_a_tag_named_twice_in_an_audience_is_one_use(db):
    tag = await active_tag("big-spender", {"field": "lifetimeSpend", "op": "gte", "value": 1})
    async with transaction() as conn:
        await record_tag_uses(conn, [tag.id, tag.id], TagUseKind.SEARCH, utcnow(), 3)
    uses = await TagUse.filter(tag_id=tag.id).values_list("kind", "members_reached")
    assert uses == [(TagUseKind.SEARCH, 3)]
