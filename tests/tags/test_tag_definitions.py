"""proposeTagDefinition, reviewTagDefinition, retireTagDefinition, tagDefinitions over GraphQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.ids import to_global_id
from models.enums import Role, TagCategory
from models.tag import TagDefinition
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.sql_counter import count_sql
from tests.tags.helpers import active_tag, carriers

PROPOSE = """
mutation($input: TagDefinitionInput!) {
  proposeTagDefinition(input: $input) {
    tag { id code name category status rule createdBy { username } reviewedBy { username } }
    errors { field code message }
  }
}"""
REVIEW = """
mutation($input: ReviewInput!) {
  reviewTagDefinition(input: $input) {
    tag { status memberCount reviewedBy { username } }
    errors { field code }
  }
}"""
RETIRE = """
mutation($id: ID!) {
  retireTagDefinition(id: $id) { tag { status memberCount errorRate } errors { field code } }
}"""
CATALOGUE = """
query($category: TagCategory, $status: TagStatus) {
  tagDefinitions(category: $category, status: $status) {
    code status memberCount errorRate createdBy { displayName } reviewedBy { displayName }
  }
}"""
ADULTS = {"field": "age", "op": "gte", "value": 18}


def _input(
    code: str = "adults", rule: Any = ADULTS, category: str = "BASIC_INFO"
) -> dict[str, Any]:
    return {"input": {"code": code, "name": "Adults", "category": category, "rule": rule}}


async def _propose(api: Any, token: str, **input: Any) -> dict[str, Any]:
    result = await api(PROPOSE, _input(**input), token=token)
    return result["data"]["proposeTagDefinition"]


async def test_a_proposal_waits_for_review(api, db) -> None:
    marketing = await staff_token(Role.MARKETING, "mia")
    payload = await _propose(api, marketing)
    assert payload["errors"] == []
    tag = payload["tag"]
    assert (tag["code"], tag["status"], tag["rule"]) == ("adults", "PENDING_REVIEW", ADULTS)
    assert (tag["createdBy"], tag["reviewedBy"]) == ({"username": "mia"}, None)


async def test_an_unknown_field_is_refused_with_its_path_inside_the_rule(api, db) -> None:
    marketing = await staff_token(Role.MARKETING)
    rule = {"all": [ADULTS, {"field": "shoeSize", "op": "gt", "value": 40}]}
    payload = await _propose(api, marketing, rule=rule)
    assert payload["tag"] is None
    assert payload["errors"][0]["code"] == "INVALID"
    assert payload["errors"][0]["field"] == ["input", "rule", "all", "1", "field"]
    assert not await TagDefinition.exists()


async def test_a_wrong_value_type_is_refused_at_the_value(api, db) -> None:
    marketing = await staff_token(Role.MARKETING)
    payload = await _propose(
        api, marketing, rule={"field": "age", "op": "between", "value": "18-25"}
    )
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("INVALID", ["input", "rule", "value"])
    ]


async def test_a_taken_code_is_a_duplicate(api, db) -> None:
    marketing = await staff_token(Role.MARKETING)
    await _propose(api, marketing)
    payload = await _propose(api, marketing, rule=None)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("DUPLICATE", ["input", "code"])
    ]


async def test_the_proposer_cannot_approve_their_own_tag(api, db) -> None:
    # given an admin, who may both propose and review
    admin = await staff_token(Role.ADMIN, "ada")
    tag_id = (await _propose(api, admin))["tag"]["id"]
    # when the same admin approves
    result = await api(REVIEW, {"input": {"id": tag_id, "decision": "APPROVE"}}, token=admin)
    # then
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
    assert (await TagDefinition.get()).status.value == "PENDING_REVIEW"


async def test_approval_by_another_staff_member_activates_and_computes_the_tag(api, db) -> None:
    await make_member(birth_date=date(1990, 1, 1))
    await make_member(birth_date=date(2015, 1, 1))
    marketing = await staff_token(Role.MARKETING)
    operations = await staff_token(Role.OPERATIONS, "otto")
    tag_id = (await _propose(api, marketing))["tag"]["id"]
    result = await api(REVIEW, {"input": {"id": tag_id, "decision": "APPROVE"}}, token=operations)
    payload = result["data"]["reviewTagDefinition"]
    assert payload == {
        "tag": {"status": "ACTIVE", "memberCount": 1, "reviewedBy": {"username": "otto"}},
        "errors": [],
    }
    again = await api(REVIEW, {"input": {"id": tag_id, "decision": "REJECT"}}, token=operations)
    assert again["data"]["reviewTagDefinition"]["errors"] == [
        {"field": ["input", "id"], "code": "INVALID_STATE"}
    ]


async def test_a_rejected_tag_is_never_computed(api, db) -> None:
    await make_member()
    marketing = await staff_token(Role.MARKETING)
    operations = await staff_token(Role.OPERATIONS)
    tag_id = (await _propose(api, marketing))["tag"]["id"]
    result = await api(REVIEW, {"input": {"id": tag_id, "decision": "REJECT"}}, token=operations)
    assert result["data"]["reviewTagDefinition"]["tag"] == {
        "status": "REJECTED",
        "memberCount": 0,
        "reviewedBy": {"username": "operations"},
    }


async def test_retiring_removes_the_tag_from_members_and_keeps_its_history(api, db) -> None:
    # given an active rule tag on a member
    member = await make_member(birth_date=date(1990, 1, 1))
    tag = await active_tag("adults", ADULTS)
    assert await carriers("adults") == {member.id}
    operations = await staff_token(Role.OPERATIONS)
    # when
    result = await api(RETIRE, {"id": to_global_id("TagDefinition", tag.id)}, token=operations)
    # then
    assert result["data"]["retireTagDefinition"] == {
        "tag": {"status": "RETIRED", "memberCount": 0, "errorRate": 0.0},
        "errors": [],
    }
    assert await carriers("adults") == set()
    listed = await api(CATALOGUE, {"status": "RETIRED"}, token=operations)
    assert [t["code"] for t in listed["data"]["tagDefinitions"]] == ["adults"]
    assert (await TagDefinition.get(id=tag.id)).assignments_total == 1
    again = await api(RETIRE, {"id": to_global_id("TagDefinition", tag.id)}, token=operations)
    assert again["data"]["retireTagDefinition"]["errors"] == [
        {"field": ["id"], "code": "INVALID_STATE"}
    ]


async def test_an_unknown_tag_id_is_not_found(api, db) -> None:
    operations = await staff_token(Role.OPERATIONS)
    result = await api(RETIRE, {"id": to_global_id("TagDefinition", 999)}, token=operations)
    assert result["data"]["retireTagDefinition"]["errors"] == [
        {"field": ["id"], "code": "NOT_FOUND"}
    ]
    wrong_type = await api(RETIRE, {"id": to_global_id("Member", 1)}, token=operations)
    assert wrong_type["data"]["retireTagDefinition"]["errors"] == [
        {"field": ["id"], "code": "INVALID"}
    ]


async def test_the_catalogue_filters_by_category_and_status(api, db) -> None:
    await active_tag("vip")
    await active_tag("adults", ADULTS, category=TagCategory.BASIC_INFO)
    analyst = await staff_token(Role.ANALYST)
    result = await api(CATALOGUE, {"category": "VALUE"}, token=analyst)
    assert [(t["code"], t["status"]) for t in result["data"]["tagDefinitions"]] == [
        ("vip", "ACTIVE")
    ]
    result = await api(CATALOGUE, {"status": "PENDING_REVIEW"}, token=analyst)
    assert result["data"]["tagDefinitions"] == []


async def _catalogue_statements(api: Any, token: str) -> int:
    async with count_sql() as counter:
        result = await api(CATALOGUE, {}, token=token)
    assert "errors" not in result
    return counter.count


async def test_the_catalogue_costs_the_same_statements_for_2_and_20_tags(api, db) -> None:
    analyst = await staff_token(Role.ANALYST)
    await make_member()
    for n in range(2):
        await active_tag(f"tag-{n}")
    small = await _catalogue_statements(api, analyst)
    for n in range(2, 20):
        await active_tag(f"tag-{n}")
    assert len((await api(CATALOGUE, {}, token=analyst))["data"]["tagDefinitions"]) == 20
    assert await _catalogue_statements(api, analyst) == small


async def test_a_tag_definition_is_a_node_for_staff_only(api, db) -> None:
    tag = await active_tag("vip")
    query = "query($id: ID!) { node(id: $id) { ... on TagDefinition { code errorRate } } }"
    variables = {"id": to_global_id("TagDefinition", tag.id)}
    analyst = await api(query, variables, token=await staff_token(Role.ANALYST))
    assert analyst["data"]["node"] == {"code": "vip", "errorRate": 0.0}
    member = await make_member()
    denied = await api(query, variables, token=await member_token(member.id))
    assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]
