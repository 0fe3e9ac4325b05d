"""Member test helpers: the apps' operations and a staff-driven enrollment."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from tortoise import connections

from models.enums import Role
from tests.conftest import Api, staff_token
from tests.factories import make_tiers

APPLY = """mutation ApplyForMembership($input: ApplyForMembershipInput!) {
  applyForMembership(input: $input) {
    application { id status submittedAt requestedTierCode }
    errors { field code message }
  }
}"""
REVIEW = """mutation ReviewApplication($id: ID!, $decision: ReviewDecision!, $note: String) {
  reviewMembershipApplication(input: { id: $id, decision: $decision, note: $note }) {
    application { id status reviewedAt reviewNote reviewedBy { displayName }
                  member { id memberNo status } }
    activationCode
    errors { field code message }
  }
}"""
ACTIVATE = """mutation ActivateMembership($input: ActivateMembershipInput!) {
  activateMembership(input: $input) {
    session { token expiresAt viewer { member { id memberNo } } }
    errors { field code message }
  }
}"""
MEMBER_FIELDS = """id memberNo status enrollmentChannel joinedAt name gender birthDate ageBand
  phone email address idNumber suspendedReason terminationReason terminationEffectiveAt
  consents { marketingSms marketingEmail marketingPhone marketingPush profiling updatedAt }"""


def application_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "李小红",
        "gender": "FEMALE",
        "birthDate": "1992-03-08",
        "phone": "13812345678",
        "email": "xiaohong.li@example.com",
        "address": "上海市浦东新区世纪大道100号",
        "idNumber": "11010519491231002X",
        "channel": "APP",
    }
    values.update(overrides)
    return values


@pytest_asyncio.fixture
async def tiers(db: Any) -> Any:
    return await make_tiers()


@pytest_asyncio.fixture
async def reviewer(api: Api, tiers: Any) -> Api:
    return api.as_(await staff_token(Role.SERVICE, "reviewer"))


async def apply(api: Api, **overrides: Any) -> dict[str, Any]:
    result = await api(APPLY, {"input": application_input(**overrides)})
    return result["data"]["applyForMembership"]


async def enroll(api: Api, reviewer: Api, **overrides: Any) -> dict[str, Any]:
    """Apply anonymously and approve: the approval payload (member and activation code)."""
    applied = await apply(api, **overrides)
    assert applied["errors"] == [], applied
    reviewed = await reviewer(
        REVIEW, {"id": applied["application"]["id"], "decision": "APPROVE", "note": "ok"}
    )
    payload = reviewed["data"]["reviewMembershipApplication"]
    assert payload["errors"] == [], payload
    return payload


@pytest.fixture
def sqlite_only(db: Any) -> None:
    if connections.get("default").capabilities.dialect != "sqlite":
        pytest.skip("scans the SQLite files; PostgreSQL vacuums the touched tables instead")
