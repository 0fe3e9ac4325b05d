"""Member.pointsLedger / purchases / lifetimeSpend over GraphQL, and their statement counts."""

from __future__ import annotations

from core.ids import to_global_id
from models.enums import PointsEntryKind, Role
from models.points import PointsEntry, Purchase
from schema.pagination import Window
from schema.points import _entries
from shortcuts.keyed_pages import pages_by_parent
from tests.conftest import member_token
from tests.factories import make_member
from tests.points.helpers import adjust, gid, record, redeem, staff_api
from tests.sql_counter import count_sql

LEDGER = """
query($id: ID!, $first: Int, $after: String, $kind: PointsEntryKind) {
  member(id: $id) {
    pointsLedger(first: $first, after: $after, kind: $kind) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { kind points balanceAfter purchase { orderRef member { id } } } }
    }
    purchases(first: 10) { totalCount edges { node { orderRef amount refundedAmount } } }
    lifetimeSpend
  }
}"""

MEMBERS = """
query($first: Int) {
  members(first: $first) {
    edges { node {
      pointsBalance lifetimeSpend pointsExpiringBy
      pointsLedger(first: 3) { totalCount edges { node { kind points createdBy { displayName }
                                                          purchase { orderRef } } } }
      purchases(first: 3) { totalCount edges { node { orderRef pointsEarned } } }
      redeems: pointsLedger(first: 3, kind: REDEEM) { totalCount edges { node { points } } }
    } }
  }
}"""


async def _active_member(ops, n: int) -> int:
    member = await make_member()
    await record(ops, member.id, f"M{n}-1", "30.00")
    await record(ops, member.id, f"M{n}-2", "20.00")
    await adjust(ops, member.id, 5, f"adj-{n}")
    await redeem(ops, 10, f"red-{n}", member.id)
    return member.id


async def test_ledger_newest_first_with_kind_filter_and_cursor(api):
    ops = await staff_api(api)
    member_id = await _active_member(ops, 1)
    first_page = (await ops(LEDGER, {"id": gid(member_id), "first": 2}))["data"]["member"]
    ledger = first_page["pointsLedger"]
    assert ledger["totalCount"] == 4
    assert [e["node"]["kind"] for e in ledger["edges"]] == ["REDEEM", "ADJUST"]
    assert ledger["pageInfo"]["hasNextPage"] is True
    after = ledger["pageInfo"]["endCursor"]
    rest = (await ops(LEDGER, {"id": gid(member_id), "first": 5, "after": after}))["data"]
    nodes = [e["node"] for e in rest["member"]["pointsLedger"]["edges"]]
    assert [(n["kind"], n["points"], n["purchase"]["orderRef"]) for n in nodes] == [
        ("EARN", 20, "M1-2"),
        ("EARN", 30, "M1-1"),
    ]
    assert nodes[0]["purchase"]["member"] == {"id": gid(member_id)}
    earns = (await ops(LEDGER, {"id": gid(member_id), "kind": "EARN"}))["data"]["member"]
    assert earns["pointsLedger"]["totalCount"] == 2
    assert [e["node"]["orderRef"] for e in earns["purchases"]["edges"]] == ["M1-2", "M1-1"]
    assert earns["lifetimeSpend"] == "50.00"


async def test_member_reads_own_ledger_but_not_anothers(api):
    ops = await staff_api(api)
    mine, theirs = await _active_member(ops, 1), await _active_member(ops, 2)
    own = api.as_(await member_token(mine))
    assert (await own(LEDGER, {"id": gid(mine)}))["data"]["member"]["pointsLedger"]["totalCount"]
    other = await own(LEDGER, {"id": gid(theirs)})
    assert other["data"]["member"] is None
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_marketing_gets_null_and_forbidden_for_ledger_fields(api):
    ops = await staff_api(api)
    member_id = await _active_member(ops, 1)
    marketing = await staff_api(api, Role.MARKETING)
    result = await marketing(LEDGER, {"id": gid(member_id)})
    assert result["data"]["member"] == {
        "pointsLedger": None,
        "purchases": None,
        "lifetimeSpend": None,
    }
    paths = sorted(e["path"][-1] for e in result["errors"])
    assert paths == ["lifetimeSpend", "pointsLedger", "purchases"]


async def test_ledgers_in_a_members_list_cost_a_constant_number_of_statements(api):
    # Given 20 members with purchases, an adjustment and a redemption each,
    ops = await staff_api(api)
    for n in range(20):
        await _active_member(ops, n)
    # when a page of 2 and a page of 20 members are read with their ledgers and purchases,
    async with count_sql() as small:
        two = await ops(MEMBERS, {"first": 2})
    async with count_sql() as large:
        twenty = await ops(MEMBERS, {"first": 20})
    # then both cost the same number of statements, and the data is all there.
    assert "errors" not in twenty, twenty
    assert len(two["data"]["members"]["edges"]) == 2
    nodes = [edge["node"] for edge in twenty["data"]["members"]["edges"]]
    assert len(nodes) == 20
    assert all(node["purchases"]["totalCount"] == 2 for node in nodes)
    assert all(node["redeems"]["edges"] == [{"node": {"points": -10}}] for node in nodes)
    assert all(node["pointsLedger"]["totalCount"] == 4 for node in nodes)
    assert small.count == large.count, large.statements


NODE = """
query($id: ID!) { node(id: $id) { id ... on PointsEntry { points }
                                  ... on Purchase { orderRef member { id } } } }"""


async def test_entries_and_purchases_by_node_id_follow_the_ledger_cells(api):
    ops = await staff_api(api)
    mine, theirs = await _active_member(ops, 1), await _active_member(ops, 2)
    entry = await PointsEntry.filter(member_id=theirs).first()
    purchase = await Purchase.filter(member_id=theirs).first()
    assert entry is not None and purchase is not None
    entry_id, purchase_id = (
        to_global_id("PointsEntry", entry.id),
        to_global_id("Purchase", purchase.id),
    )
    # Staff who read ledgers get them; their owner does too; another member does not.
    assert (await ops(NODE, {"id": entry_id}))["data"]["node"]["points"] == entry.points
    owner = api.as_(await member_token(theirs))
    assert (await owner(NODE, {"id": purchase_id}))["data"]["node"]["member"] == {"id": gid(theirs)}
    stranger = api.as_(await member_token(mine))
    for node_id in (entry_id, purchase_id):
        denied = await stranger(NODE, {"id": node_id})
        assert denied["data"]["node"] is None
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    analyst = await staff_api(api, Role.ANALYST)
    assert (await analyst(NODE, {"id": entry_id}))["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )


async def test_one_members_page_is_the_page_a_batch_of_members_gets(api):
    """A batch of one parent takes a plain LIMIT; a batch of several, ROW_NUMBER()."""
    ops = await staff_api(api)
    first, second = await _active_member(ops, 1), await _active_member(ops, 2)
    for window in (Window(0, 2), Window(1, 2), Window(3, 5), Window(4, 1)):
        for kind in (None, PointsEntryKind.EARN):
            alone = await pages_by_parent(_entries, kind, "member_id", ("-id",), [first], window)
            batch = await pages_by_parent(
                _entries, kind, "member_id", ("-id",), [second, first], window
            )
            assert [row.id for row in alone[first]] == [row.id for row in batch[first]]
    everything = await pages_by_parent(_entries, None, "member_id", ("-id",), [first], Window(0, 9))
    ids = [row.id for row in everything[first]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True)


WITH_EXPIRY = """
query($id: ID!, $first: Int, $after: String, $kind: PointsEntryKind) {
  member(id: $id) {
    pointsExpiringBy
    pointsLedger(first: $first, after: $after, kind: $kind) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id kind points createdBy { displayName } purchase { orderRef } } }
    }
  }
}"""
WITHOUT_EXPIRY = WITH_EXPIRY.replace("pointsExpiringBy", "")


async def test_a_ledger_page_read_with_the_expiry_figure_is_the_page_read_alone(api):
    """With pointsExpiringBy the page comes from the whole ledger that figure reads
    (schema/points.py): the same page, count and cursors, and no statement of its own."""
    ops = await staff_api(api)
    member_id = await _active_member(ops, 1)
    await record(ops, member_id, "M1-3", "12.00")
    await adjust(ops, member_id, -3, "adj-1b")
    windows = [
        {},
        {"first": 2},
        {"first": 0},
        {"first": 2, "kind": "EARN"},
        {"first": 3, "kind": "REDEEM"},
        {"first": 50, "kind": "EXPIRE"},
    ]
    first = (await ops(WITHOUT_EXPIRY, {"id": gid(member_id), "first": 2}))["data"]
    windows.append({"first": 2, "after": first["member"]["pointsLedger"]["pageInfo"]["endCursor"]})
    for window in windows:
        variables = {"id": gid(member_id), **window}
        async with count_sql() as with_expiry:
            together = await ops(WITH_EXPIRY, variables)
        alone = await ops(WITHOUT_EXPIRY, variables)
        assert "errors" not in together, together
        assert together["data"]["member"]["pointsLedger"] == alone["data"]["member"]["pointsLedger"]
        ledger_reads = [s for s in with_expiry.statements if '"points_entry"' in s]
        assert len(ledger_reads) == 1, ledger_reads
    earns = (await ops(WITH_EXPIRY, {"id": gid(member_id), "kind": "EARN"}))["data"]["member"]
    assert earns["pointsLedger"]["totalCount"] == 3
    assert earns["pointsExpiringBy"] == 0
