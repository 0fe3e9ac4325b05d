"""confirmProfile (DESIGN §10): the signed-in member records their profile unchanged;
staff may not, anonymous callers are not signed in."""

from __future__ import annotations

from models.enums import MemberStatus, Role
from models.member import Member
from tests.conftest import member_token
from tests.factories import make_member

CONFIRM = "mutation { confirmProfile { member { memberNo } errors { field code } } }"


async def test_the_member_confirms_their_own_profile(api):
    member = await make_member()
    body = (await api.as_(await member_token(member.id))(CONFIRM))["data"]["confirmProfile"]
    assert body == {"member": {"memberNo": member.member_no}, "errors": []}
    assert (await Member.get(id=member.id)).profile_confirmed_at is not None


async def test_staff_are_forbidden_and_anonymous_callers_unauthenticated(api, as_role):
    for caller, code in ((await as_role(Role.ADMIN), "FORBIDDEN"), (api, "UNAUTHENTICATED")):
        result = await caller(CONFIRM)
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == code


async def test_a_terminated_member_cannot_confirm(api):
    member = await make_member()
    token = await member_token(member.id)
    await Member.filter(id=member.id).update(status=MemberStatus.TERMINATED)
    result = await api.as_(token)(CONFIRM)
    assert result["data"]["confirmProfile"] == {
        "member": None,
        "errors": [{"field": ["input"], "code": "INVALID_STATE"}],
    }
    assert (await Member.get(id=member.id)).profile_confirmed_at is None
