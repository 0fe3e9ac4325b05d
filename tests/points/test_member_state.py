"""Points and the member lifecycle: suspension blocks earning and redeeming; termination
forfeits the balance."""

from __future__ import annotations

from models.enums import PointsEntryKind, Role
from models.points import PointsEntry
from services.points import verify_ledger
from tests.factories import make_member
from tests.points.helpers import adjust, gid, record, redeem, staff_api

SUSPEND = """
mutation($id: ID!) { suspendMember(input: {id: $id, reason: "fraud check"}) { errors { code } } }"""
REINSTATE = "mutation($id: ID!) { reinstateMember(id: $id) { errors { code } } }"
TERMINATE = """
mutation($id: ID!) {
  terminateMembership(input: {id: $id, reason: VIOLATION, effectiveAt: "2000-01-01T00:00:00Z"}) {
    member { status pointsBalance }
    errors { code message }
  }
}"""


async def test_suspended_member_neither_earns_nor_redeems_until_reinstated(api):
    member = await make_member()
    admin = await staff_api(api, Role.ADMIN)
    await adjust(admin, member.id, 100, "fund")
    assert (await admin(SUSPEND, {"id": gid(member.id)}))["data"]["suspendMember"]["errors"] == []
    earn = await record(admin, member.id, "SUS-1", "10.00")
    spend = await redeem(admin, 10, "sus", member.id)
    assert [earn["errors"][0]["code"], spend["errors"][0]["code"]] == ["INVALID_STATE"] * 2
    await admin(REINSTATE, {"id": gid(member.id)})
    assert (await redeem(admin, 10, "sus", member.id))["errors"] == []


async def test_termination_forfeits_the_balance_with_one_entry(api):
    # Given a member with 120 points,
    member = await make_member()
    admin = await staff_api(api, Role.ADMIN)
    await record(admin, member.id, "TERM-1", "100.00")
    await adjust(admin, member.id, 20, "bonus")
    # when their termination takes effect,
    result = (await admin(TERMINATE, {"id": gid(member.id)}))["data"]["terminateMembership"]
    # then one FORFEIT entry takes the 120 and they can earn no more.
    assert result == {"member": {"status": "TERMINATED", "pointsBalance": 0}, "errors": []}
    entries = await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.FORFEIT)
    assert [(e.points, e.balance_after) for e in entries] == [(-120, 0)]
    assert (await record(admin, member.id, "TERM-2", "5.00"))["errors"][0]["code"] == (
        "INVALID_STATE"
    )
    assert await verify_ledger() == []
