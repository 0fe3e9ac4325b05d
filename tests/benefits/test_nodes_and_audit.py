"""`node(id)` for benefits and usages, and the audit entry every benefit mutation writes."""

from __future__ import annotations

from core.ids import to_global_id
from models.audit import AuditEntry
from models.enums import AuditOutcome
from services.benefits import use_benefit
from services.clock import utcnow
from tests.benefits.helpers import USE, make_benefit, use_input
from tests.conftest import member_token
from tests.factories import make_member

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    ... on Benefit { code }
    ... on BenefitUsage { pointsSpent benefit { code } }
  }
}
"""


async def test_anyone_reads_a_benefit_by_node_id(api):
    benefit = await make_benefit("LOUNGE")
    result = await api(NODE, {"id": to_global_id("Benefit", benefit.id)})
    assert result["data"]["node"] == {"__typename": "Benefit", "code": "LOUNGE"}


async def test_a_member_reads_only_their_own_usage_by_node_id(api):
    await make_benefit("LOUNGE")
    owner, other = await make_member(), await make_member()
    usage = await use_benefit(owner.id, "LOUNGE", "k", utcnow())
    variables = {"id": to_global_id("BenefitUsage", usage.id)}

    own = await api(NODE, variables, token=await member_token(owner.id))
    theirs = await api(NODE, variables, token=await member_token(other.id))
    anonymous = await api(NODE, variables)

    assert own["data"]["node"]["benefit"] == {"code": "LOUNGE"}
    assert theirs["data"]["node"] is None
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_refused_use_is_audited_with_its_code_and_target(api):
    member = await make_member()
    await api(USE, use_input("NOPE", "k"), token=await member_token(member.id))
    entry = await AuditEntry.filter(operation_type="mutation").order_by("-id").first()
    assert entry is not None
    assert entry.outcome == AuditOutcome.USER_ERROR
    assert entry.error_codes == ["NOT_FOUND"]
    assert entry.target_ids == [to_global_id("Member", member.id)]
