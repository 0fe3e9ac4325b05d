"""Ordering members by a field is reading it: allowed only to roles whose policy cell
reads that field in clear (issue 21: ANALYST and MARKETING ranked members by a balance
they may not read). Every role x order field, generated from auth/policy.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from auth.policy import POLICY, Cell, cell_for
from models.enums import MemberOrderField, Role
from services.clock import utcnow
from services.members.search import RANKED_BY
from tests.conftest import staff_token
from tests.factories import make_member

MEMBERS = """query($orderBy: MemberOrder) {
  members(orderBy: $orderBy) { edges { node { memberNo } } }
}"""
READERS = sorted(POLICY[("Query", "members")], key=lambda role: role.value)


def _may_order(role: Role, field: MemberOrderField) -> bool:
    key = ("Member", RANKED_BY[field])
    return (cell_for(key, [role]) if key in POLICY else Cell("full")).kind == "full"


def test_the_issue_cases_are_decided_by_the_policy():
    # The rows "points ledger, purchases, balance": ANALYST and MARKETING read neither.
    for role in (Role.ANALYST, Role.MARKETING):
        assert not _may_order(role, MemberOrderField.POINTS_BALANCE)
        assert not _may_order(role, MemberOrderField.LIFETIME_SPEND)
        assert _may_order(role, MemberOrderField.JOINED_AT)


@pytest.mark.parametrize("role", READERS, ids=[role.value for role in READERS])
async def test_each_role_orders_members_only_by_fields_it_reads_in_clear(api, role):
    # Given a member with more points and spend who joined before another,
    now = utcnow()
    rich = await make_member(
        points_balance=20, lifetime_spend=Decimal("50"), joined_at=now - timedelta(days=2)
    )
    new = await make_member(
        points_balance=10, lifetime_spend=Decimal("5"), joined_at=now - timedelta(days=1)
    )
    descending = {
        MemberOrderField.POINTS_BALANCE: [rich, new],
        MemberOrderField.LIFETIME_SPEND: [rich, new],
        MemberOrderField.JOINED_AT: [new, rich],
        MemberOrderField.MEMBER_NO: [new, rich],
    }
    caller = api.as_(await staff_token(role))
    for field in MemberOrderField:
        # when the role orders the list by each field, descending,
        order = {"field": field.value, "direction": "DESC"}
        result = await caller(MEMBERS, {"orderBy": order})
        if not _may_order(role, field):
            # then a field it may not read is refused outright: no ranking arrives.
            assert result["data"] is None, (role, field)
            assert [(e["path"], e["extensions"]["code"]) for e in result["errors"]] == [
                (["members"], "FORBIDDEN")
            ], (role, field)
            continue
        # and a field it reads orders the page.
        assert "errors" not in result, (role, field, result)
        numbers = [edge["node"]["memberNo"] for edge in result["data"]["members"]["edges"]]
        assert numbers == [member.member_no for member in descending[field]], (role, field)
