"""MemberTag.explanation (DESIGN §9): why a member has a tag, and who may see it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.ids import to_global_id
from models.enums import Role, TagCategory
from models.member import Member
from services.clock import age_on, local_date, utcnow
from services.tags import explanations, refresh_member_tags, run_tag_refresh
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_purchase, make_tiers
from tests.sql_counter import count_sql
from tests.tags.helpers import active_tag

CONDITIONS = "conditions { field op value memberValue met negated path }"
EXPLAINED = f"""tags {{ tag {{ code }} source
  explanation {{ computedAt assignedBy {{ displayName }} {CONDITIONS} }} }}"""
MEMBER = f"query($id: ID!) {{ member(id: $id) {{ {EXPLAINED} }} }}"
# A rule has up to 50 conditions and a member up to 50 tags: a page of explanations asks
# little of each to stay within the query cost.
LIST = """query($first: Int) { members(first: $first) { edges { node {
  tags { tag { code } explanation { computedAt assignedBy { displayName } conditions { met } } }
} } } }"""
ASSIGN = """mutation($input: AssignTagInput!) { assignTag(input: $input) { errors { code } } }"""
BIRTH = date(1990, 5, 17)
ADDRESS = "北京市朝阳区建国路1号"
# Every field of the rule language and every op; all, any and not.
EVERY_KIND = {
    "all": [
        {"field": "age", "op": "between", "value": [30, 60]},
        {"field": "gender", "op": "eq", "value": "MALE"},
        {"field": "region", "op": "in", "value": ["上海", "北京"]},
        {"field": "tierRank", "op": "gte", "value": 1},
        {"field": "pointsBalance", "op": "gt", "value": 100},
        {"field": "lifetimeSpend", "op": "lte", "value": 10000},
        {"field": "spendLast365d", "op": "lt", "value": 2000},
        {"field": "ordersLast30d", "op": "ne", "value": 0},
        {"field": "ordersLast90d", "op": "eq", "value": 2},
        {"field": "daysSinceLastPurchase", "op": "lte", "value": 30},
        {
            "any": [
                {"field": "daysSinceJoined", "op": "gte", "value": 1000},
                {"not": {"field": "gender", "op": "eq", "value": "FEMALE"}},
            ]
        },
    ]
}


def _gid(member: Member) -> str:
    return to_global_id("Member", member.id)


async def _shopper(**extra: Any) -> Member:
    """Silver, 500 points, 5000 spent in all, two orders lately (300 and 700.50)."""
    _, silver, *_ = await make_tiers()
    now = utcnow()
    member = await make_member(
        tier=silver,
        birth_date=BIRTH,
        joined_at=now - timedelta(days=100, hours=1),
        points_balance=500,
        lifetime_spend=Decimal("5000"),
        **extra,
    )
    await make_purchase(member, "300.00", now - timedelta(days=3, hours=1))
    await make_purchase(member, "700.50", now - timedelta(days=40))
    return member


async def _tags(api: Any, member: Member, token: str) -> list[dict[str, Any]]:
    result = await api(MEMBER, {"id": _gid(member)}, token=token)
    assert "errors" not in result, result
    return result["data"]["member"]["tags"]


def _condition(path: str, field: str, op: str, value: Any, shown: Any, met: bool, negated=False):
    return {
        "path": path,
        "field": field,
        "op": op,
        "value": value,
        "memberValue": shown,
        "met": met,
        "negated": negated,
    }


# 3 a statement: a rule of many conditions is read in several statements, alike.
@pytest.mark.parametrize("per_statement", [explanations.CONDITIONS_PER_STATEMENT, 3])
async def test_a_rule_tag_explains_every_kind_of_condition(api, db, monkeypatch, per_statement):
    monkeypatch.setattr(explanations, "CONDITIONS_PER_STATEMENT", per_statement)
    member = await _shopper()
    await active_tag("regular-shopper", EVERY_KIND)
    (tag,) = await _tags(api, member, await staff_token(Role.ADMIN))
    assert (tag["tag"]["code"], tag["source"]) == ("regular-shopper", "RULE")
    age = age_on(BIRTH, local_date(utcnow()))
    expected = [
        _condition("all.0", "age", "between", [30, 60], age, True),
        _condition("all.1", "gender", "eq", "MALE", "MALE", True),
        _condition("all.2", "region", "in", ["上海", "北京"], ADDRESS, True),
        _condition("all.3", "tierRank", "gte", 1, 1, True),
        _condition("all.4", "pointsBalance", "gt", 100, 500, True),
        _condition("all.5", "lifetimeSpend", "lte", 10000, 5000.0, True),
        _condition("all.6", "spendLast365d", "lt", 2000, 1000.5, True),
        _condition("all.7", "ordersLast30d", "ne", 0, 1, True),
        _condition("all.8", "ordersLast90d", "eq", 2, 2, True),
        _condition("all.9", "daysSinceLastPurchase", "lte", 30, 3, True),
        _condition("all.10.any.0", "daysSinceJoined", "gte", 1000, 100, False),
        _condition("all.10.any.1.not", "gender", "eq", "FEMALE", "MALE", False, negated=True),
    ]
    assert tag["explanation"]["conditions"] == expected
    assert tag["explanation"]["assignedBy"] is None


async def test_the_explanation_uses_the_evaluation_s_own_outcome(api, db):
    # spendLast365d lt 1000.5 fails for 1000.50: the explanation says so, and the tag,
    # computed by the same conditions, is not on the member.
    member = await _shopper()
    await active_tag("under", {"field": "spendLast365d", "op": "lt", "value": 1000.5})
    await active_tag("at-least", {"field": "spendLast365d", "op": "gte", "value": 1000.5})
    (tag,) = await _tags(api, member, await staff_token(Role.ADMIN))
    assert tag["tag"]["code"] == "at-least"
    assert tag["explanation"]["conditions"] == [
        _condition("", "spendLast365d", "gte", 1000.5, 1000.5, True)
    ]


async def test_a_manual_tag_says_who_assigned_it_and_when(api, db):
    member = await make_member()
    await active_tag("vip")
    variables = {"input": {"memberId": _gid(member), "tagCode": "vip"}}
    await api(ASSIGN, variables, token=await staff_token(Role.SERVICE, "sam"))
    explained = f"explanation {{ computedAt assignedBy {{ displayName }} {CONDITIONS} }}"
    query = f"query($id: ID!) {{ member(id: $id) {{ tags {{ assignedAt {explained} }} }} }}"
    result = await api(query, {"id": _gid(member)}, token=await staff_token(Role.ADMIN))
    (tag,) = result["data"]["member"]["tags"]
    explanation = tag["explanation"]
    assert explanation["assignedBy"] == {"displayName": "Test sam"}
    assert explanation["computedAt"] == tag["assignedAt"]
    assert explanation["conditions"] == []


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_computed_at_is_the_later_of_the_tag_s_and_the_member_s_refresh(api, db):
    member = await _shopper()
    approved = utcnow() - timedelta(days=2)
    await active_tag(
        "spender", {"field": "lifetimeSpend", "op": "gte", "value": 1000}, now=approved
    )
    admin = await staff_token(Role.ADMIN)

    async def computed_at() -> datetime:
        (tag,) = await _tags(api, member, admin)
        return _at(tag["explanation"]["computedAt"])

    assert await computed_at() == approved
    after_purchase = utcnow() - timedelta(days=1)
    await refresh_member_tags(member.id, after_purchase)
    assert await computed_at() == after_purchase
    nightly = utcnow()
    await run_tag_refresh(nightly)
    assert await computed_at() == nightly
    await refresh_member_tags(member.id, nightly - timedelta(hours=1))
    assert await computed_at() == nightly


async def test_withdrawn_profiling_consent_withholds_the_member_s_values(api, db):
    member = await _shopper(profiling=True)
    rule = {"field": "ordersLast30d", "op": "gte", "value": 1}
    await active_tag("active-buyer", rule, category=TagCategory.BEHAVIOR)
    admin = await staff_token(Role.ADMIN)
    (tag,) = await _tags(api, member, admin)
    assert tag["explanation"]["conditions"] == [_condition("", *rule.values(), 1, True)]
    # Consent withdrawn, before any refresh takes the tag off: nothing personal explained.
    await Member.filter(id=member.id).update(profiling=False)
    (tag,) = await _tags(api, member, admin)
    assert tag["explanation"]["conditions"] == [
        {**_condition("", *rule.values(), None, False), "met": None}
    ]


WITHHELD_FROM = {
    # role: the rule fields whose member values (and outcomes) it may not see
    Role.ADMIN: set(),
    Role.SERVICE: set(),
    Role.OPERATIONS: {"age", "region"},
    Role.MARKETING: {"age", "region", "pointsBalance", "lifetimeSpend", "spendLast365d"}
    | {"ordersLast30d", "ordersLast90d", "daysSinceLastPurchase"},
    Role.ANALYST: {"age", "region", "pointsBalance", "lifetimeSpend", "spendLast365d"}
    | {"ordersLast30d", "ordersLast90d", "daysSinceLastPurchase"},
}


@pytest.mark.parametrize("role", list(WITHHELD_FROM))
async def test_staff_see_the_member_values_their_role_may_read(api, db, role):
    member = await _shopper()
    await active_tag("regular-shopper", EVERY_KIND)
    (tag,) = await _tags(api, member, await staff_token(role))
    conditions = tag["explanation"]["conditions"]
    withheld = {c["field"] for c in conditions if c["memberValue"] is None and c["met"] is None}
    assert withheld == WITHHELD_FROM[role]
    assert all(c["met"] is not None for c in conditions if c["field"] not in withheld)


async def test_an_auditor_reads_no_member_tags(api, db):
    member = await _shopper()
    await active_tag("regular-shopper", EVERY_KIND)
    result = await api(MEMBER, {"id": _gid(member)}, token=await staff_token(Role.AUDITOR))
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}


async def test_members_see_their_tags_visible_to_members_only(api, db):
    member = await _shopper()
    await active_tag(
        "shown", {"field": "tierRank", "op": "gte", "value": 1}, visible_to_member=True
    )
    await active_tag("hidden", {"field": "tierRank", "op": "gte", "value": 1})
    own = await _tags(api, member, await member_token(member.id))
    assert [tag["tag"]["code"] for tag in own] == ["shown"]
    assert own[0]["explanation"]["conditions"] == [_condition("", "tierRank", "gte", 1, 1, True)]
    staff = await _tags(api, member, await staff_token(Role.SERVICE))
    assert {tag["tag"]["code"] for tag in staff} == {"shown", "hidden"}
    other = await make_member()
    result = await api(MEMBER, {"id": _gid(member)}, token=await member_token(other.id))
    assert {e["extensions"]["code"] for e in result["errors"]} == {"FORBIDDEN"}


async def test_visible_to_member_is_set_at_proposal(api, db):
    propose = """mutation($input: TagDefinitionInput!) {
      proposeTagDefinition(input: $input) { tag { visibleToMember } errors { code } } }"""
    marketing = await staff_token(Role.MARKETING)
    base = {"name": "Shown", "category": "VALUE"}
    shown = await api(propose, {"input": {**base, "code": "a", "visibleToMember": True}}, marketing)
    hidden = await api(propose, {"input": {**base, "code": "b"}}, marketing)
    assert shown["data"]["proposeTagDefinition"]["tag"] == {"visibleToMember": True}
    assert hidden["data"]["proposeTagDefinition"]["tag"] == {"visibleToMember": False}


async def _statements(api: Any, token: str, first: int) -> int:
    async with count_sql() as counter:
        result = await api(LIST, {"first": first}, token=token)
    assert "errors" not in result, result
    edges = result["data"]["members"]["edges"]
    assert len(edges) == first and all(len(e["node"]["tags"]) == 2 for e in edges)
    return counter.count


async def test_a_page_of_explanations_costs_the_same_statements_at_any_size(api, db):
    for _ in range(20):
        await _shopper()
    await active_tag("regular-shopper", EVERY_KIND)
    await active_tag("vip")
    service = await staff_token(Role.SERVICE, "sam")
    for member in await Member.all():
        variables = {"input": {"memberId": _gid(member), "tagCode": "vip"}}
        await api(ASSIGN, variables, token=service)
    admin = await staff_token(Role.ADMIN)
    assert await _statements(api, admin, 2) == await _statements(api, admin, 15)
