"""The read path's shortcuts (shortcuts/execution.py, shortcuts/relations.py) change speed only."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncGenerator
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import (
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    OperationDefinitionNode,
    parse,
)
from graphql.execution import executor as executor_module
from strawberry.dataloader import DataLoader
from strawberry.schema.schema import validate_document
from tortoise.models import Model
from tortoise.transactions import in_transaction

from bench.workloads import operation
from core.ids import to_global_id
from models.enums import PointsEntryKind, Role
from models.member import Member
from models.points import Purchase
from models.tag import TagDefinition as TagDefinitionModel
from models.tier import Tier
from resolvers.context import Context
from resolvers.loaders import Loaders
from resolvers.tags import tag_by_id
from schema import pagination
from schema.tiers import MemberTierFields
from services.clock import utcnow
from services.points import post_entry
from services.tags import assign_tag
from shortcuts import documents, execution, relations
from shortcuts.execution import FastExecution, _completion, _serialiser, is_awaitable
from shortcuts.relations import load_all, prefetch, selected_under, started
from shortcuts.rows import fetch_all, models_from
from tests.conftest import make_staff, staff_token
from tests.factories import make_member, make_purchase, make_tiers
from tests.tags.helpers import active_tag


async def test_a_row_is_a_value_and_a_coroutine_is_awaited(db):
    member = Member(member_no="M1")

    async def later() -> int:
        return 1

    pending = later()
    assert not is_awaitable(member)
    assert is_awaitable(pending)
    assert await pending == 1


async def test_a_prefetched_relation_completes_in_place_and_an_unfetched_one_waits(db):
    tiers = await make_tiers()
    fetched, other = await make_member(tier=tiers[1]), await make_member(tier=tiers[2])
    loaders = Loaders()
    info = SimpleNamespace(context=SimpleNamespace(loaders=loaders))
    await prefetch(loaders, [fetched], (("tier", ()),))

    resolved = MemberTierFields.tier(fetched, info)
    assert resolved.code == tiers[1].code
    # The ladder is read whole at its first load: another member's tier is there too.
    assert MemberTierFields.tier(other, info).code == tiers[2].code

    fresh = SimpleNamespace(context=SimpleNamespace(loaders=Loaders()))
    waiting = MemberTierFields.tier(fetched, fresh)
    assert is_awaitable(waiting)
    assert (await waiting).code == tiers[1].code


def test_a_selection_reads_through_fragments_and_is_worked_out_once_per_document():
    document = parse(
        "query { members { edges { node { id ...Tier ... on Member { tags { tag { code } } } } }"
        " edges { node { phone } } } }"
        " fragment Tier on Member { tier { code } }"
    )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    field_nodes = [operation.selection_set.selections[0]]

    selected = selected_under(field_nodes, fragments, ("edges", "node"))

    assert selected == (
        ("id", ()),
        ("tier", (("code", ()),)),
        ("tags", (("tag", (("code", ()),)),)),
        ("phone", ()),
    )
    assert selected_under(field_nodes, fragments, ("edges", "node")) is selected


async def test_models_built_from_rows_equal_the_ones_tortoise_builds(db):
    tiers = await make_tiers()
    member = await make_member(tier=tiers[2], last_purchase_at=utcnow(), locked_until=None)
    await make_purchase(member, "120.50", utcnow(), refunded="20.50")
    for model in (Member, Tier, Purchase):
        queryset = model.all().order_by("id")
        expected = await queryset
        built = await fetch_all(model.all().order_by("id"))
        assert [vars(row) for row in built] == [vars(row) for row in expected]
        assert all(type(row) is model for row in built)


async def test_rows_lacking_a_field_build_partial_models_as_tortoise_does(db):
    await make_member()
    _, rows = await Member._meta.db.execute_query(
        'SELECT "id", "member_no", "joined_at", "status" FROM "member"'
    )

    [partial] = models_from(Member, rows)

    assert partial._partial and partial.member_no.startswith("T")
    assert vars(partial) == vars(Member._init_from_db(**dict(rows[0])))
    with pytest.raises(AttributeError):
        partial.name  # noqa: B018 - a column not read is not there to be read


PAGE = """{ members(first: 10) { edges { node {
  id memberNo name phone status joinedAt tier { code name memberCount }
  qualifyingSpend qualifyingOrders
  tags { source tag { code name category } assignedBy { username } }
  benefits { eligible }
} } } }"""


async def _page_both_ways(api: Any, monkeypatch: Any) -> tuple[Any, Any]:
    """The page with the shortcuts, then through graphql-core alone."""
    fast = await api(PAGE)
    with monkeypatch.context() as patched:
        patched.setattr(FastExecution, "fields", {})
        slow = await api(PAGE)
    return _without_request_ids(fast), _without_request_ids(slow)


def _without_request_ids(result: dict[str, Any]) -> dict[str, Any]:
    for error in result.get("errors", []):
        if error["extensions"].pop("requestId", None):
            error["message"] = "Unexpected error."
    return result


async def _tagged_members() -> int:
    tiers = await make_tiers()
    staff = await make_staff(Role.MARKETING, "tagger")
    await active_tag("vip")
    await active_tag("lapsed")
    for tier in tiers:
        member = await make_member(tier=tier)
        await assign_tag(member.id, "vip", staff.id, utcnow())
        await assign_tag(member.id, "lapsed", None, utcnow())
    return len(tiers)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST, Role.MARKETING, Role.SERVICE])
async def test_nested_shortcuts_answer_and_refuse_as_graphql_core_does(
    api, monkeypatch, role
) -> None:
    members = await _tagged_members()
    api = api.as_(await staff_token(role))

    fast, slow = await _page_both_ways(api, monkeypatch)

    assert fast == slow
    assert len(fast["data"]["members"]["edges"]) == members
    # Analysts see neither names, phones nor benefits, and neither they nor marketing the
    # qualifying figures (a relation the page loaded): refused in place, member by member.
    refused = [(error["path"][-1], error["extensions"]["code"]) for error in fast.get("errors", [])]
    hidden = {
        Role.ANALYST: ("name", "phone", "benefits", "qualifyingSpend", "qualifyingOrders"),
        Role.MARKETING: ("qualifyingSpend", "qualifyingOrders"),
    }.get(role, ())
    assert sorted(refused) == sorted([(name, "FORBIDDEN") for name in hidden] * members)
    assert all(edge["node"]["tags"] for edge in fast["data"]["members"]["edges"])


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST])
async def test_a_long_list_completed_in_turns_answers_as_in_one(api, monkeypatch, role) -> None:
    members = await _tagged_members()
    api = api.as_(await staff_token(role))
    whole, _ = await _page_both_ways(api, monkeypatch)
    turns = []
    next_turn = execution.next_turn

    async def counted() -> None:
        turns.append(1)
        await next_turn()

    monkeypatch.setattr(execution, "ITEMS_PER_TURN", 1)
    monkeypatch.setattr(execution, "next_turn", counted)
    in_turns, slow = await _page_both_ways(api, monkeypatch)

    assert in_turns == whole == slow
    # Between the page's members, and between each member's two tags.
    assert len(turns) == (members - 1) + members


async def test_nested_shortcuts_propagate_a_null_where_graphql_core_does(api, monkeypatch) -> None:
    """A non-null leaf that comes back null, inside a list item inside an object: the
    error and the null it leaves climb to the same nullable ancestor either way."""
    members = await _tagged_members()
    api = api.as_(await staff_token(Role.ADMIN))
    monkeypatch.setattr(
        TagDefinitionModel, "name", property(lambda _: None, lambda *_: None), raising=False
    )

    fast, slow = await _page_both_ways(api, monkeypatch)

    assert fast == slow
    nodes = [edge["node"] for edge in fast["data"]["members"]["edges"]]
    assert [node["tags"] for node in nodes] == [None] * members
    assert all(node["tier"]["code"] for node in nodes)
    assert [error["path"][2:] for error in fast["errors"]] == [
        [index, "node", "tags", 0, "tag", "name"] for index in range(members)
    ]


async def test_an_object_of_leaves_under_many_rows_is_completed_once(api, monkeypatch) -> None:
    """Every member's "vip" assignment carries the same definition: its leaves are read
    once per request, and each row's answer is the same as graphql-core's."""
    members = await _tagged_members()
    api = api.as_(await staff_token(Role.ADMIN))
    reads: list[str] = []

    def code(tag: Any) -> str:
        reads.append(tag.__dict__["code"])
        return tag.__dict__["code"]

    def set_code(tag: Any, value: str) -> None:
        tag.__dict__["code"] = value

    monkeypatch.setattr(TagDefinitionModel, "code", property(code, set_code), raising=False)

    fast = _without_request_ids(await api(PAGE))
    read_fast, reads[:] = list(reads), []
    with monkeypatch.context() as patched:
        patched.setattr(FastExecution, "fields", {})
        slow = _without_request_ids(await api(PAGE))

    assert fast == slow
    assert sorted(read_fast) == ["lapsed", "vip"]
    assert sorted(reads) == sorted(["lapsed", "vip"] * members)


async def test_an_object_a_loader_gives_many_rows_is_found_by_its_key(api, monkeypatch) -> None:
    """Every member's "vip" assignment loads the same definition: past the first row its
    answer is found by the assignment's key, with no look into the loader, and each row's
    answer is the same as graphql-core's."""
    await _tagged_members()
    api = api.as_(await staff_token(Role.ADMIN))
    looked_up: list[Any] = []

    def counting(loader: Any, key: Any) -> Any:
        if loader.load_fn is tag_by_id:
            looked_up.append(key)
        return started(loader, key)

    monkeypatch.setattr(relations, "started", counting)
    fast = _without_request_ids(await api(PAGE))
    looked_up_fast = len(looked_up)
    with monkeypatch.context() as patched:
        patched.setattr(FastExecution, "fields", {})
        slow = _without_request_ids(await api(PAGE))

    assert fast == slow
    assert looked_up_fast == 2


async def test_a_document_is_validated_once_and_its_errors_kept(api, monkeypatch) -> None:
    validations: list[Any] = []

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        validations.append(document)
        return validate_document(schema, document, rules)

    monkeypatch.setattr(documents, "validate_document", counting)
    api = api.as_(await staff_token(Role.ADMIN))
    # Texts no other test sends: the parser cache and this one live as long as the process.
    good = "{ validatedOnce: __typename viewer { __typename } }"
    bad = "{ validatedOnce: viewer { noSuchField } }"

    first, second = await api(good), await api(bad)
    again, bad_again = await api(good), await api(bad)

    assert len(validations) == 2
    assert first == again and "errors" not in first
    assert bad_again["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert second["errors"][0]["message"] == bad_again["errors"][0]["message"]


async def test_a_selection_is_collected_once_for_the_requests_that_send_it(api, monkeypatch):
    """Across requests, except where a directive makes the collection depend on them; the
    plan kept with it still answers each caller by their own roles."""
    members = await _tagged_members()
    collected: list[str] = []
    collect = executor_module.collect_subfields

    def counting(*args: Any) -> Any:
        collected.append(args[4].name)  # the object type collected for
        return collect(*args)

    monkeypatch.setattr(executor_module, "collect_subfields", counting)
    admin = api.as_(await staff_token(Role.ADMIN))
    # Texts no other test sends: the parser cache and these live as long as the process.
    query = (
        "query($withTier: Boolean!) { collectedOnce: members(first: 5) {"
        " edges { node { id name tier @include(if: $withTier) { code } } } } }"
    )

    first = await admin(query, {"withTier": True})
    collected.clear()
    again = await admin(query, {"withTier": True})
    without = await admin(query, {"withTier": False})

    assert again == first
    # The connection's and the edges' fields come from the first request; the node's,
    # which a variable decides, are collected on every request.
    assert collected == ["Member", "Member"]
    assert all(edge["node"]["tier"]["code"] for edge in first["data"]["collectedOnce"]["edges"])
    assert all("tier" not in edge["node"] for edge in without["data"]["collectedOnce"]["edges"])

    page = "{ plannedPerRole: members(first: 5) { edges { node { id name } } } }"
    assert "errors" not in await admin(page)
    analyst = await api.as_(await staff_token(Role.ANALYST))(page)
    assert {error["extensions"]["code"] for error in analyst["errors"]} == {"FORBIDDEN"}
    assert [error["path"][-1] for error in analyst["errors"]] == ["name"] * members


async def test_prefetches_running_together_share_one_batch_and_leave_the_values() -> None:
    """Lists resolving at the same time (each member's ledger page) load their rows'
    relations in one batch, even when the batch function waits for its database."""
    calls: list[list[int]] = []

    async def squares(keys: Any) -> list[int]:
        calls.append(sorted(keys))
        await asyncio.sleep(0)  # as a query on PostgreSQL does
        return [key * key for key in keys]

    loader: DataLoader[int, int] = DataLoader(load_fn=squares)
    first, second = await asyncio.gather(load_all(loader, [3, 2]), load_all(loader, [4, 2]))

    assert (first, second) == ([9, 4], [16, 4])
    assert calls == [[2, 3, 4]]
    assert await loader.load(4) == 16
    assert await load_all(loader, [5, 3]) == [25, 9]  # only 5 is fetched
    assert calls[1:] == [[5]]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETING])
async def test_a_member_screen_leaves_nothing_for_the_cyclic_collector(
    api, db, caplog, role
) -> None:
    """Its context, loaders and rows, and the refusals of a role that may not read some
    fields, are freed by reference counting as the request ends (shortcuts/execution.py,
    points 5 and 6): the collector's time grew with every request."""
    # As the server's logging has it (app/logs.py): a captured record would keep the
    # refusals alive, and they could not show up as garbage.
    caplog.set_level(logging.CRITICAL, logger="strawberry.execution")
    api = api.as_(await staff_token(role))
    tiers = await make_tiers()
    member = await make_member(tier=tiers[1])
    async with in_transaction() as conn:
        await post_entry(conn, member.id, PointsEntryKind.ADJUST, 10, utcnow(), reason="x")
    screen = (operation("MemberDetail"), {"id": to_global_id("Member", member.id)})
    await api(*screen)  # what lives as long as the process is made now, not below

    gc.collect()
    gc.disable()
    try:
        result = await api(*screen)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [
            type(o).__name__
            for o in gc.garbage
            if isinstance(o, Context | Loaders | DataLoader | Model | Exception)
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()

    assert result["data"]["member"]["tier"]["code"] == tiers[1].code
    refused = {error["extensions"]["code"] for error in result.get("errors", [])}
    if role is Role.ADMIN:
        assert not refused and result["data"]["member"]["pointsLedger"]["totalCount"] == 1
    else:
        assert refused == {"FORBIDDEN"}
    assert left == []


def _context() -> SimpleNamespace:
    """What the executor reads of a request's Context: the caller's roles, and whether
    it may introspect."""
    return SimpleNamespace(
        actor=SimpleNamespace(roles=frozenset(), is_staff=False),
        settings=SimpleNamespace(introspection="on"),
    )


async def test_resolvers_reach_the_executor_through_its_helpers() -> None:
    """They hold it weakly (shortcuts/execution.py, point 5), yet work while it executes."""
    tracked: list[int] = []

    async def value(n: int) -> int:
        tracked.append(n)
        return n

    @strawberry.type
    class Query:
        @strawberry.field
        async def pair(self, info: strawberry.Info) -> list[int]:
            helpers = info._raw_info.async_helpers
            helpers.track([value(0), 5])
            return await helpers.gather([value(1), value(2)])

    schema = strawberry.Schema(query=Query, execution_context_class=FastExecution)
    context = _context()
    result = await schema.execute("{ pair }", context_value=context)

    assert result.errors is None and result.data == {"pair": [1, 2]}
    assert sorted(tracked) == [0, 1, 2]  # the tracked work was settled, not dropped


@strawberry.type
class _Event:
    n: int

    @strawberry.field
    async def doubled(self, info: strawberry.Info) -> list[int]:
        async def value(k: int) -> int:
            return k

        return await info._raw_info.async_helpers.gather([value(self.n), value(2 * self.n)])


@strawberry.type
class _Subscription:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[_Event, None]:
        for n in (1, 2):
            yield _Event(n=n)


async def test_each_subscription_event_reaches_its_executor_through_the_helpers() -> None:
    """graphql-core runs each event on a copy of the executor, which shares its helpers:
    they still reach a live executor (shortcuts/execution.py, point 5)."""

    @strawberry.type
    class Query:
        one: int = 1

    schema = strawberry.Schema(
        query=Query, subscription=_Subscription, execution_context_class=FastExecution
    )
    context = _context()
    stream = await schema.subscribe("subscription { events { doubled } }", context_value=context)
    results = [result async for result in stream]

    assert [result.errors for result in results] == [None, None]
    assert [result.data for result in results] == [
        {"events": {"doubled": [1, 2]}},
        {"events": {"doubled": [2, 4]}},
    ]


@pytest.mark.parametrize(
    ("leaf", "value", "answer"),
    [
        (GraphQLInt, 7, 7),
        (GraphQLInt, True, 1),  # a bool is an int to Python, not to GraphQL
        (GraphQLInt, 7.0, 7),
        (GraphQLBoolean, False, False),
        (GraphQLBoolean, 1, True),
        (GraphQLID, 12, "12"),
    ],
)
def test_a_leaf_is_answered_as_graphql_core_serialises_it(leaf, value, answer) -> None:
    complete = _completion(attrgetter("value"), leaf, _serialiser(leaf, non_null=True))
    answered = complete(SimpleNamespace(value=value), None)
    assert answered == answer and type(answered) is type(answer)


def test_an_int_beyond_32_bits_is_refused_as_graphql_core_refuses_it() -> None:
    complete = _completion(attrgetter("value"), GraphQLInt, _serialiser(GraphQLInt, True))
    with pytest.raises(GraphQLError, match="32-bit"):
        complete(SimpleNamespace(value=2**31), None)


async def test_a_connection_made_with_its_fields_info_completes_its_edges_in_place(
    api, monkeypatch
) -> None:
    """Its maker loads what the nodes select and the edges are answered at hand; a
    connection made without the info still loads them in its `edges` resolver."""
    members = await _tagged_members()
    admin = api.as_(await staff_token(Role.ADMIN))
    loads: list[tuple[str, ...]] = []
    load = pagination.prefetch_selected

    async def counting(info: Any, rows: Any, *path: str) -> None:
        loads.append(path)
        await load(info, rows, *path)

    monkeypatch.setattr(pagination, "prefetch_selected", counting)
    page = await admin("{ members(first: 10) { edges { node { tags { tag { code } } } } } }")
    assert loads == [("edges", "node")]
    codes = [
        [tag["tag"]["code"] for tag in edge["node"]["tags"]]
        for edge in page["data"]["members"]["edges"]
    ]
    assert codes == [["vip", "lapsed"]] * members

    loads.clear()
    audit = await admin("{ auditLog(first: 5) { edges { node { operationName } } } }")
    assert loads == [("node",)] and audit["data"]["auditLog"]["edges"]
