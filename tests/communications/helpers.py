"""GraphQL documents and small builders shared by the communications tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.ids import to_global_id
from models.member import Member
from services.clock import utcnow

CASE_FIELDS = """
  id kind channel subject status openedAt responseDueAt resolutionDueAt firstRespondedAt
  resolvedAt overdue resolution satisfactionScore
  member { id } assignee { id displayName } escalatedTo { id displayName }
  communications { direction category content satisfactionScore }
"""
ERRORS = "errors { field code message }"

LOG = f"""
mutation($input: LogCommunicationInput!) {{
  logCommunication(input: $input) {{
    communication {{
      id channel direction category subject content occurredAt satisfactionScore
      member {{ id }} staff {{ displayName }} case {{ id kind status }}
    }}
    {ERRORS}
  }}
}}
"""
SEND = f"""
mutation($input: SendCommunicationInput!) {{
  sendCommunication(input: $input) {{ sent skippedNoConsent {ERRORS} }}
}}
"""
OPEN = f"""
mutation($input: OpenCaseInput!) {{
  openServiceCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""
RESPOND = f"""
mutation($input: CaseActionInput!) {{
  respondToCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""
RESOLVE = f"""
mutation($input: CaseActionInput!) {{
  resolveCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""
ESCALATE = f"""
mutation($input: EscalateCaseInput!) {{
  escalateCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""
RATE = f"""
mutation($input: RateCaseInput!) {{
  rateCase(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }}
}}
"""
MEMBER_COMMUNICATIONS = """
query(
  $id: ID!, $channel: ContactChannel, $category: CommunicationCategory, $first: Int, $after: String
) {
  member(id: $id) {
    communications(first: $first, after: $after, channel: $channel, category: $category) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id channel direction category subject content } }
    }
  }
}
"""


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def member_gid(member: Member) -> str:
    return gid("Member", member.id)


def hours_ago(hours: float, now: datetime | None = None) -> str:
    return ((now or utcnow()) - timedelta(hours=hours)).isoformat()


def payload(result: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in result, result
    return result["data"][field]


def ok(result: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of a mutation that must have succeeded."""
    body = payload(result, field)
    assert body["errors"] == [], body["errors"]
    return body


def codes(result: dict[str, Any], field: str) -> list[str]:
    return [error["code"] for error in payload(result, field)["errors"]]


def top_codes(result: dict[str, Any]) -> set[str]:
    return {error["extensions"]["code"] for error in result.get("errors", [])}


def case_input(member: Member | None = None, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "COMPLAINT",
        "channel": "PHONE",
        "subject": "Late delivery",
        "description": "My parcel is a week late.",
    }
    if member is not None:
        values["memberId"] = member_gid(member)
    return {**values, **extra}
