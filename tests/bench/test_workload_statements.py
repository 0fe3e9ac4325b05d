"""The bench's workloads cost a constant number of SQL statements (issue 7 §4).

The console's own documents run against a small world and a larger one; a regression
that queries per row fails here, without timing anything.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bench.workloads import operation
from core.ids import to_global_id
from models.enums import PointsEntryKind, Role
from services.clock import utcnow
from services.points import post_entry
from tests.conftest import staff_token
from tests.factories import make_member
from tests.sql_counter import count_sql


async def _statements(api, token, text, variables):
    async with count_sql() as counter:
        result = await api(text, variables, token=token)
    assert "errors" not in result, result["errors"]
    return counter.count


async def _member_with(entries: int) -> str:
    member = await make_member()
    for _ in range(entries):
        async with in_transaction() as conn:
            await post_entry(conn, member.id, PointsEntryKind.ADJUST, 10, utcnow(), reason="x")
    return to_global_id("Member", member.id)


async def test_member_detail_costs_the_same_for_a_short_and_a_long_history(api, db):
    token = await staff_token(Role.ADMIN)
    short, long = await _member_with(1), await _member_with(25)
    text = operation("MemberDetail")
    assert await _statements(api, token, text, {"id": short}) == await _statements(
        api, token, text, {"id": long}
    )


async def test_member_search_costs_the_same_for_2_and_40_rows(api, db):
    token = await staff_token(Role.ADMIN)
    for _ in range(41):  # a row beyond either page: both are counted
        await make_member()
    text = operation("MemberSearch")
    assert await _statements(api, token, text, {"first": 2}) == await _statements(
        api, token, text, {"first": 40}
    )


async def test_member_search_by_a_term_costs_the_same_for_2_and_40_rows(api, db):
    token = await staff_token(Role.ADMIN)
    for _ in range(41):  # a row beyond either page: both are counted
        await make_member()  # each with an example.com email
    text = operation("MemberSearch")
    for term in ("e", "ex", "example"):  # grams and trigrams of the search index
        by_term = {"filter": {"search": term}}
        assert await _statements(api, token, text, {**by_term, "first": 2}) == await _statements(
            api, token, text, {**by_term, "first": 40}
        )


async def test_record_purchase_costs_the_same_for_a_new_and_a_regular_buyer(api, db):
    token = await staff_token(Role.OPERATIONS)
    text = operation("RecordPurchase")
    new, regular = await _member_with(0), await _member_with(30)

    def buy(member_id: str, ref: str) -> dict:
        return {"input": {"memberId": member_id, "orderRef": ref, "amount": "88.00"}}

    assert await _statements(api, token, text, buy(new, "A-1")) == await _statements(
        api, token, text, buy(regular, "B-1")
    )
