"""Member lists with communications and cases cost the same statements at any size (DESIGN §6)."""

from __future__ import annotations

from models.enums import Role
from tests.communications.helpers import LOG, OPEN, RESPOND, case_input, member_gid, ok
from tests.factories import make_member
from tests.sql_counter import count_sql

MEMBERS = """
query($first: Int) {
  members(first: $first) {
    edges { node {
      id
      communications(first: 5) {
        totalCount
        edges { node { id category staff { displayName } case { id status } member { id } } }
      }
      serviceCases(first: 5) {
        totalCount
        edges { node { id overdue assignee { displayName } communications { id content } } }
      }
    } }
  }
}
"""


async def _members_with_history(service, count: int) -> None:
    for _ in range(count):
        member = await make_member()
        for category in ("CARE", "MARKETING"):
            variables = {
                "input": {
                    "memberId": member_gid(member),
                    "channel": "SMS",
                    "direction": "OUTBOUND",
                    "category": category,
                }
            }
            ok(await service(LOG, variables), "logCommunication")
        case = ok(await service(OPEN, {"input": case_input(member)}), "openServiceCase")["case"]
        ok(await service(RESPOND, {"input": {"id": case["id"], "message": "m"}}), "respondToCase")


async def _statements(api, first: int) -> int:
    async with count_sql() as counter:
        result = await api(MEMBERS, {"first": first})
    assert "errors" not in result, result["errors"]
    nodes = [edge["node"] for edge in result["data"]["members"]["edges"]]
    assert len(nodes) == first
    assert all(node["communications"]["totalCount"] == 4 for node in nodes)
    assert all(
        len(node["serviceCases"]["edges"][0]["node"]["communications"]) == 2 for node in nodes
    )
    return counter.count


async def test_statements_do_not_grow_with_the_page(as_role):
    service = await as_role(Role.SERVICE)
    await _members_with_history(service, 20)
    small, large = await _statements(service, 2), await _statements(service, 20)
    assert small == large, (small, large)
    assert small < 25, small
