"""Query.serviceCases(status, overdue) and Member.serviceCases over GraphQL."""

from __future__ import annotations

from models.enums import Role
from tests.communications.helpers import (
    OPEN,
    RESOLVE,
    RESPOND,
    case_input,
    hours_ago,
    member_gid,
    ok,
    top_codes,
)
from tests.conftest import member_token
from tests.factories import make_member

CASES = """
query($status: CaseStatus, $overdue: Boolean) {
  serviceCases(status: $status, overdue: $overdue, first: 50) {
    totalCount edges { node { subject status overdue member { id } } }
  }
}
"""
MEMBER_CASES = """
query($id: ID!, $status: CaseStatus) {
  member(id: $id) {
    serviceCases(first: 10, status: $status) { totalCount edges { node { subject status } } }
  }
}
"""


async def _case(service, member, subject, hours_old, kind="COMPLAINT"):
    variables = {
        "input": case_input(member, subject=subject, openedAt=hours_ago(hours_old), kind=kind)
    }
    return ok(await service(OPEN, variables), "openServiceCase")["case"]


async def _world(service, member):
    """fresh: on time; unanswered: past its 24 h response; answered_late: answered, but a
    complaint unresolved after 48 h; resolved: done in time; inquiry: answered, 72 h not up."""
    await _case(service, member, "fresh", 1)
    await _case(service, member, "unanswered", 30)
    late = await _case(service, member, "answered_late", 50)
    ok(
        await service(RESPOND, {"input": {"id": late["id"], "message": "m", "at": hours_ago(45)}}),
        "respondToCase",
    )
    done = await _case(service, member, "resolved", 50)
    ok(
        await service(RESOLVE, {"input": {"id": done["id"], "message": "m", "at": hours_ago(40)}}),
        "resolveCase",
    )
    inquiry = await _case(service, member, "inquiry", 50, kind="INQUIRY")
    ok(
        await service(
            RESPOND, {"input": {"id": inquiry["id"], "message": "m", "at": hours_ago(49)}}
        ),
        "respondToCase",
    )


def _subjects(result):
    return sorted(edge["node"]["subject"] for edge in result["data"]["serviceCases"]["edges"])


async def test_overdue_lists_the_breaches_as_of_now(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    await _world(service, member)
    overdue = await service(CASES, {"overdue": True})
    assert _subjects(overdue) == ["answered_late", "unanswered"]
    assert overdue["data"]["serviceCases"]["totalCount"] == 2
    assert all(edge["node"]["overdue"] for edge in overdue["data"]["serviceCases"]["edges"])
    on_time = await service(CASES, {"overdue": False})
    assert _subjects(on_time) == ["fresh", "inquiry", "resolved"]
    assert not any(edge["node"]["overdue"] for edge in on_time["data"]["serviceCases"]["edges"])


async def test_cases_filter_by_status(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    await _world(service, member)
    assert _subjects(await service(CASES, {"status": "OPEN"})) == ["fresh", "unanswered"]
    assert _subjects(await service(CASES, {"status": "RESPONDED", "overdue": True})) == [
        "answered_late"
    ]


async def test_member_sees_own_cases_only(api, as_role):
    member, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    await _case(service, member, "mine", 1)
    await _case(service, other, "theirs", 1)
    me = api.as_(await member_token(member.id))
    assert _subjects(await me(CASES, {})) == ["mine"]
    own = await me(MEMBER_CASES, {"id": member_gid(member)})
    assert own["data"]["member"]["serviceCases"]["totalCount"] == 1
    assert top_codes(await me(MEMBER_CASES, {"id": member_gid(other)})) == {"FORBIDDEN"}


async def test_member_service_cases_filter_by_status(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    await _world(service, member)
    everything = await service(MEMBER_CASES, {"id": member_gid(member)})
    assert everything["data"]["member"]["serviceCases"]["totalCount"] == 5
    resolved = await service(MEMBER_CASES, {"id": member_gid(member), "status": "RESOLVED"})
    edges = resolved["data"]["member"]["serviceCases"]["edges"]
    assert [edge["node"]["subject"] for edge in edges] == ["resolved"]


async def test_marketing_sees_no_cases_and_operations_none_at_all(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    await _case(service, member, "complaint", 1)
    marketing = await as_role(Role.MARKETING)
    assert (await marketing(CASES, {}))["data"]["serviceCases"]["totalCount"] == 0
    denied = await (await as_role(Role.OPERATIONS))(CASES, {})
    assert top_codes(denied) == {"FORBIDDEN"}


async def test_node_of_a_case_is_the_members_own_only(api, as_role):
    member, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    mine = await _case(service, member, "mine", 1)
    theirs = await _case(service, other, "theirs", 1)
    query = "query($id: ID!) { node(id: $id) { ... on ServiceCase { subject } } }"
    me = api.as_(await member_token(member.id))
    assert (await me(query, {"id": mine["id"]}))["data"]["node"] == {"subject": "mine"}
    assert top_codes(await me(query, {"id": theirs["id"]})) == {"FORBIDDEN"}
    assert (await (await as_role(Role.MARKETING))(query, {"id": mine["id"]}))["data"][
        "node"
    ] is None
