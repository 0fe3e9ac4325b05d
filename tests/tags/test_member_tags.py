"""assignTag, removeTag, reportTagError and Member.tags over GraphQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.ids import to_global_id
from models.enums import Role
from models.member import Member
from models.tag import TagDefinition, TagErrorReport
from services.clock import utcnow
from services.tags import run_tag_refresh
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.sql_counter import count_sql
from tests.tags.helpers import active_tag, carriers

TAGS = "tags { tag { code category } source assignedAt assignedBy { displayName } }"
ASSIGN = f"""
mutation($input: AssignTagInput!) {{
  assignTag(input: $input) {{ member {{ {TAGS} }} errors {{ field code }} }}
}}"""
REMOVE = f"""
mutation($input: AssignTagInput!) {{
  removeTag(input: $input) {{ member {{ {TAGS} }} errors {{ field code }} }}
}}"""
REPORT = f"""
mutation($input: ReportTagErrorInput!) {{
  reportTagError(input: $input) {{ member {{ {TAGS} }} errors {{ field code }} }}
}}"""
MEMBER = f"query($id: ID!) {{ member(id: $id) {{ {TAGS} }} }}"
BIG_SPENDERS = {"field": "lifetimeSpend", "op": "gte", "value": 1000}


def _gid(member: Member) -> str:
    return to_global_id("Member", member.id)


def _vars(member: Member, code: str, note: str | None = "") -> dict[str, Any]:
    return {"input": {"memberId": _gid(member), "tagCode": code, "note": note}}


async def _spender(spend: str = "5000") -> Member:
    member = await make_member()
    await Member.filter(id=member.id).update(lifetime_spend=Decimal(spend))
    return member


async def test_staff_assign_a_manual_tag_and_see_who_did(api, db) -> None:
    member = await make_member()
    await active_tag("vip")
    service = await staff_token(Role.SERVICE, "sam")
    result = await api(ASSIGN, _vars(member, "vip", "met at the launch"), token=service)
    payload = result["data"]["assignTag"]
    assert payload["errors"] == []
    (tag,) = payload["member"]["tags"]
    assert tag["tag"] == {"code": "vip", "category": "VALUE"}
    assert (tag["source"], tag["assignedBy"]) == ("MANUAL", {"displayName": "Test sam"})
    assert tag["assignedAt"].endswith("+00:00")
    again = await api(ASSIGN, _vars(member, "vip"), token=service)
    assert len(again["data"]["assignTag"]["member"]["tags"]) == 1
    assert (await TagDefinition.get(code="vip")).assignments_total == 1


async def test_only_active_manual_tags_are_assigned(api, db) -> None:
    member = await _spender()
    await active_tag("big", BIG_SPENDERS)
    service = await staff_token(Role.SERVICE)
    rule_tag = await api(ASSIGN, _vars(member, "big"), token=service)
    assert rule_tag["data"]["assignTag"]["errors"] == [
        {"field": ["input", "tagCode"], "code": "INVALID_STATE"}
    ]
    unknown = await api(ASSIGN, _vars(member, "nope"), token=service)
    assert unknown["data"]["assignTag"]["errors"] == [
        {"field": ["input", "tagCode"], "code": "NOT_FOUND"}
    ]
    bad_member = {"input": {"memberId": "bm9wZQ==", "tagCode": "big"}}
    invalid = await api(ASSIGN, bad_member, token=service)
    assert invalid["data"]["assignTag"]["errors"] == [
        {"field": ["input", "memberId"], "code": "INVALID"}
    ]


async def test_remove_takes_a_manual_tag_off_but_not_a_rule_tag(api, db) -> None:
    member = await _spender()
    await active_tag("vip")
    await active_tag("big", BIG_SPENDERS)
    marketing = await staff_token(Role.MARKETING)
    await api(ASSIGN, _vars(member, "vip"), token=marketing)
    removed = await api(REMOVE, _vars(member, "vip"), token=marketing)
    assert [t["tag"]["code"] for t in removed["data"]["removeTag"]["member"]["tags"]] == ["big"]
    refused = await api(REMOVE, _vars(member, "big"), token=marketing)
    assert refused["data"]["removeTag"]["errors"] == [
        {"field": ["input", "tagCode"], "code": "INVALID_STATE"}
    ]


async def test_a_reported_rule_tag_stays_off_until_the_outcome_changes(api, db) -> None:
    # given a rule tag the member carries
    member = await _spender()
    await active_tag("big", BIG_SPENDERS)
    analyst = await staff_token(Role.ANALYST)
    # when it is reported wrong
    result = await api(REPORT, _vars(member, "big", "test account"), token=analyst)
    # then it is gone, counted, and the refresh does not bring it back
    assert result["data"]["reportTagError"] == {"member": {"tags": []}, "errors": []}
    tag = await TagDefinition.get(code="big")
    assert (tag.error_rate, await carriers("big")) == (1.0, set())
    assert (await run_tag_refresh(utcnow())).changed == 0
    assert await carriers("big") == set()
    # the rule stops holding for the member, then holds again: the tag returns
    await Member.filter(id=member.id).update(lifetime_spend=Decimal("10"))
    await run_tag_refresh(utcnow())
    assert not await TagErrorReport.filter(suppressing=True).exists()
    await Member.filter(id=member.id).update(lifetime_spend=Decimal("5000"))
    await run_tag_refresh(utcnow())
    assert await carriers("big") == {member.id}
    assert (await TagDefinition.get(code="big")).error_rate == 0.5


async def test_a_report_needs_an_assignment_and_a_note(api, db) -> None:
    member = await make_member()
    await active_tag("vip")
    service = await staff_token(Role.SERVICE)
    absent = await api(REPORT, _vars(member, "vip", "wrong"), token=service)
    assert absent["data"]["reportTagError"]["errors"] == [
        {"field": ["input", "tagCode"], "code": "NOT_FOUND"}
    ]
    await api(ASSIGN, _vars(member, "vip"), token=service)
    blank = await api(REPORT, _vars(member, "vip", "  "), token=service)
    assert blank["data"]["reportTagError"]["errors"] == [
        {"field": ["input", "note"], "code": "INVALID"}
    ]
    assert await carriers("vip") == {member.id}


async def test_a_member_reads_their_own_tags_and_the_assigner_s_display_name(api, db) -> None:
    member = await make_member()
    await active_tag("vip", visible_to_member=True)
    await api(ASSIGN, _vars(member, "vip"), token=await staff_token(Role.SERVICE, "sam"))
    result = await api(MEMBER, {"id": _gid(member)}, token=await member_token(member.id))
    (tag,) = result["data"]["member"]["tags"]
    assert (tag["tag"]["code"], tag["assignedBy"]) == ("vip", {"displayName": "Test sam"})


async def test_a_member_reads_their_tags_but_not_how_many_members_carry_them(api, db) -> None:
    # Given a member carrying a tag: who holds a tag is member data, counted for staff only
    # (as Tier.memberCount), and a refused non-null count takes the member's tags list.
    member = await make_member()
    await active_tag("vip", visible_to_member=True)
    await api(ASSIGN, _vars(member, "vip"), token=await staff_token(Role.SERVICE, "sam"))
    query = "query($id: ID!) { member(id: $id) { tags { tag { code memberCount } } } }"
    marketing = await api(query, {"id": _gid(member)}, token=await staff_token(Role.MARKETING))
    assert marketing["data"]["member"]["tags"] == [{"tag": {"code": "vip", "memberCount": 1}}]
    own = await api(query, {"id": _gid(member)}, token=await member_token(member.id))
    assert own["data"]["member"]["tags"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in own["errors"]] == [
        (["member", "tags", 0, "tag", "memberCount"], "FORBIDDEN")
    ]


async def _members_statements(api: Any, token: str, size: int) -> int:
    query = f"{{ members(first: {size}) {{ edges {{ node {{ {TAGS} }} }} }} }}"
    async with count_sql() as counter:
        result = await api(query, token=token)
    assert "errors" not in result
    assert len(result["data"]["members"]["edges"]) == size
    assert all(len(e["node"]["tags"]) == 2 for e in result["data"]["members"]["edges"])
    return counter.count


async def test_member_tags_cost_the_same_statements_for_2_and_20_members(api, db) -> None:
    await active_tag("vip")
    await active_tag("potential")
    service = await staff_token(Role.SERVICE)
    for n in range(20):
        member = await make_member()
        for code in ("vip", "potential"):
            await api(
                ASSIGN, _vars(member, code), token=await staff_token(Role.SERVICE, f"s{n}{code}")
            )
    assert await _members_statements(api, service, 2) == await _members_statements(api, service, 20)
