"""sendCommunication with a holdout: the held out get nothing, the draw is recorded and
reproducible, and the send's effect is read back through Query.sends."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.communication import Communication
from models.delivery import Delivery
from models.enums import MemberStatus, Role
from models.outreach import Outreach, OutreachMember
from services.clock import utcnow
from services.outreach import draw
from tests.communications.helpers import ERRORS, codes, gid, member_gid, ok, top_codes
from tests.factories import make_member, make_purchase
from tests.sql_counter import count_sql

SEND = f"""
mutation($input: SendCommunicationInput!) {{
  sendCommunication(input: $input) {{
    sent skippedNoConsent heldOut
    send {{ id channel category contacted heldOut holdoutShare seed }}
    {ERRORS}
  }}
}}
"""
SENDS = """
query($first: Int) {
  sends(first: $first) {
    edges { node {
      id contacted heldOut
      effect { contacted heldOut convertedContacted convertedHeldOut conversionContacted
               conversionHeldOut uplift upliftLow upliftHigh spendPerContacted spendPerHeldOut }
    } }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { ... on Send { contacted } } }"


def _notice(**extra: Any) -> dict[str, Any]:
    values = {"channel": "SMS", "category": "NOTIFICATION", "content": "Opening hours change"}
    return {"input": {**values, **extra}}


async def _send_with_holdout(api: Any, members: int, share: float) -> tuple[dict[str, Any], list]:
    made = [await make_member() for _ in range(members)]
    await make_member(status=MemberStatus.TERMINATED)  # skipped before the draw
    body = ok(await api(SEND, _notice(filter={}, holdout=share)), "sendCommunication")
    return body, made


async def test_the_held_out_get_nothing_and_the_draw_is_reproducible(as_role):
    admin = await as_role(Role.ADMIN)
    # 60 recipients, a fifth held out: none held out at all has odds of 0.8^60, 1.5e-6
    body, made = await _send_with_holdout(admin, 60, 0.2)
    send = body["send"]
    assert body["skippedNoConsent"] == 1
    assert body["sent"] + body["heldOut"] == 60 and body["heldOut"] > 0
    assert (send["contacted"], send["heldOut"]) == (body["sent"], body["heldOut"])
    assert (send["channel"], send["category"], send["holdoutShare"]) == ("SMS", "NOTIFICATION", 0.2)

    held = set(await OutreachMember.filter(held_out=True).values_list("member_id", flat=True))
    messaged = set(await Communication.all().values_list("member_id", flat=True))
    delivered = set(await Delivery.all().values_list("member_id", flat=True))
    assert len(held) == body["heldOut"] and not held & messaged and not held & delivered
    assert messaged == delivered == {m.id for m in made} - held
    again = draw([m.id for m in made], 0.2, int(send["seed"]))
    assert set(again.held_out) == held and set(again.contacted) == messaged


async def test_the_effect_is_read_back_through_sends(as_role):
    admin = await as_role(Role.ADMIN)
    body, _ = await _send_with_holdout(admin, 60, 0.2)
    held = await OutreachMember.filter(held_out=True).order_by("member_id")
    contacted = await OutreachMember.filter(held_out=False).order_by("member_id")
    soon, late = utcnow() + timedelta(days=3), utcnow() + timedelta(days=40)
    # Two contacted buy 100.00 within the 30 days, one held out 50.00; later ones do not count
    for row, amount in ((contacted[0], "100.00"), (contacted[1], "100.00"), (held[0], "50.00")):
        member = await row.member
        await make_purchase(member, amount, soon)
        await make_purchase(member, "999.00", late)

    analyst = await as_role(Role.ANALYST)
    result = await analyst(SENDS, {"first": 10})
    node = result["data"]["sends"]["edges"][0]["node"]
    effect = node["effect"]
    n1, n0 = len(contacted), len(held)
    assert node["id"] == body["send"]["id"]
    assert (effect["contacted"], effect["heldOut"]) == (n1, n0)
    assert (effect["convertedContacted"], effect["convertedHeldOut"]) == (2, 1)
    assert effect["conversionContacted"] == pytest.approx(2 / n1)
    assert effect["conversionHeldOut"] == pytest.approx(1 / n0)
    assert effect["uplift"] == pytest.approx(2 / n1 - 1 / n0)
    assert effect["upliftLow"] < effect["uplift"] < effect["upliftHigh"]
    assert Decimal(effect["spendPerContacted"]) == (Decimal(200) / n1).quantize(Decimal("0.01"))
    assert Decimal(effect["spendPerHeldOut"]) == (Decimal(50) / n0).quantize(Decimal("0.01"))


async def test_without_a_holdout_a_send_is_still_recorded(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    body = ok(await admin(SEND, _notice(memberIds=[member_gid(member)])), "sendCommunication")
    assert (body["sent"], body["heldOut"], body["send"]["contacted"]) == (1, 0, 1)
    effect = (await admin(SENDS, {"first": 1}))["data"]["sends"]["edges"][0]["node"]["effect"]
    assert (effect["contacted"], effect["heldOut"]) == (1, 0)
    assert effect["conversionHeldOut"] is None and effect["uplift"] is None


async def test_a_send_reaching_nobody_records_nothing(as_role):
    terminated = await make_member(status=MemberStatus.TERMINATED)
    admin = await as_role(Role.ADMIN)
    body = ok(await admin(SEND, _notice(memberIds=[member_gid(terminated)])), "sendCommunication")
    assert (body["sent"], body["send"]) == (0, None)
    assert await Outreach.all().count() == 0


@pytest.mark.parametrize("share", [-0.1, 0.51, 1.0])
async def test_a_holdout_out_of_range_is_invalid_and_writes_nothing(as_role, share):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    result = await admin(SEND, _notice(memberIds=[member_gid(member)], holdout=share))
    assert codes(result, "sendCommunication") == ["INVALID"]
    assert await Communication.all().count() == 0 and await Outreach.all().count() == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.SERVICE, True),
        (Role.MARKETING, True),
        (Role.ANALYST, True),
        (Role.OPERATIONS, False),
        (Role.AUDITOR, False),
    ],
)
async def test_who_may_read_sends(as_role, role, allowed):
    member = await make_member()
    reader = await as_role(role)
    sender = reader if role is Role.ADMIN else await as_role(Role.ADMIN)
    body = ok(await sender(SEND, _notice(memberIds=[member_gid(member)])), "sendCommunication")
    listed = await reader(SENDS, {"first": 1})
    one = await reader(NODE, {"id": body["send"]["id"]})
    if allowed:
        assert listed["data"]["sends"]["edges"][0]["node"]["contacted"] == 1
        assert one["data"]["node"] == {"contacted": 1}
    else:
        assert top_codes(listed) == {"FORBIDDEN"} and top_codes(one) == {"FORBIDDEN"}


async def test_a_send_id_of_another_kind_is_not_found(as_role):
    admin = await as_role(Role.ADMIN)
    result = await admin(NODE, {"id": gid("Send", 12345)})
    assert result["data"]["node"] is None


async def _statements(api: Any, first: int) -> int:
    async with count_sql() as counter:
        result = await api(SENDS, {"first": first})
    assert "errors" not in result, result
    assert len(result["data"]["sends"]["edges"]) == first
    return counter.count


async def test_a_page_of_sends_and_their_effects_costs_the_same_at_any_size(as_role):
    admin = await as_role(Role.ADMIN)
    for _ in range(6):
        await _send_with_holdout(admin, 3, 0.3)
    assert await _statements(admin, 2) == await _statements(admin, 6)
