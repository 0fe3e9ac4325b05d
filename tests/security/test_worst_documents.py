"""The most an anonymous caller, a member and a staff user may ask for (DESIGN §5): every
list counts by the most it can hold, through nesting and aliases, against a budget per
kind of caller; the reported stalling document is refused before it runs."""

from __future__ import annotations

from bench.worst import worst_document
from core.settings import get_settings
from models.enums import Role
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_tiers

ATTACK = "{tiers{benefits{tiers{benefits{tiers{benefits{tiers{code}}}}}}}}"
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _post(api, query: str, token: str | None = None):
    headers = {"accept": GRAPHQL_RESPONSE}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await api.client.post("/graphql", json={"query": query}, headers=headers)


async def test_the_reported_stalling_document_is_refused_before_it_runs(api):
    response = await _post(api, ATTACK)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["maxCost"] == get_settings().max_cost_anonymous


async def _budget_holds(api, budget: int, token: str | None) -> None:
    allowed, cost = worst_document(budget)
    assert cost <= budget
    answered = await _post(api, allowed, token)
    assert answered.status_code == 200, answered.text
    assert "errors" not in answered.json()
    over, _ = worst_document(budget, extra=1)
    refused = await _post(api, over, token)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_anonymous_callers_get_the_smallest_budget(api):
    await make_tiers()
    await _budget_holds(api, get_settings().max_cost_anonymous, None)


async def test_members_get_a_budget_below_staff(api):
    await make_tiers()
    member = await make_member()
    await _budget_holds(api, get_settings().max_cost_member, await member_token(member.id))


async def test_staff_get_the_largest_budget(api):
    await make_tiers()
    await _budget_holds(api, get_settings().max_cost, await staff_token(Role.ANALYST))
