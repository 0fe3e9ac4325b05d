"""Query cost (DESIGN §5): every list counts by the most items it can hold, through nesting,
aliases and fragments; worked out once per document when no variable decides it."""

from graphql import (
    GraphQLObjectType,
    get_introspection_query,
    get_named_type,
    get_nullable_type,
    graphql_sync,
    is_list_type,
    is_object_type,
    parse,
)

from app import cost
from app.served_schema import served_schema
from core.settings import get_settings
from services import limits

MEMBERS = "query($first: Int) { members(first: $first) { edges { node { id } } } }"
BUDGET = 10**12


def _cost(text: str, variables: dict | None = None, budget: int = BUDGET) -> int:
    schema = served_schema()._schema
    return cost.operation_cost(schema, parse(text), None, variables, 100, budget)


def test_a_document_whose_pages_are_written_in_it_is_costed_once(monkeypatch):
    schema = served_schema()._schema
    document = parse(
        "query($q: String) { members(first: 3, search: $q) { edges { node { id } } } }"
    )
    assert cost.operation_cost(schema, document, None, {"q": "a"}, 100, BUDGET) == 1 + 3 * (
        1 + (1 + 1)
    )
    monkeypatch.setattr(cost, "_costing", lambda *args: (0, True))
    assert cost.operation_cost(schema, document, None, {"q": "b"}, 100, BUDGET) == 10
    # another default page size is another cost
    assert cost.operation_cost(schema, document, None, None, 50, BUDGET) == 0


def test_a_page_size_given_by_a_variable_is_costed_on_every_request():
    assert _cost(MEMBERS, {"first": 2}) == 1 + 2 * 3
    assert _cost(MEMBERS, {"first": 4}) == 1 + 4 * 3
    assert _cost(MEMBERS, {}) == 1 + 100 * 3


def test_a_list_without_pages_counts_by_its_bound():
    assert _cost("{ tiers { code } }") == 1 + limits.TIERS
    assert _cost("{ tiers { code benefits { code } } }") == 1 + limits.TIERS * (
        1 + 1 + limits.BENEFITS
    )


def test_nested_lists_and_aliases_multiply():
    # The catalogue nested in itself: each level multiplies what the one below may hold.
    nested = "{ tiers { benefits { tiers { code } } } }"
    one = 1 + limits.TIERS * (1 + limits.BENEFITS * (1 + limits.TIERS))
    assert _cost(nested) == one
    aliased = (
        "{ a: tiers { benefits { tiers { code } } } b: tiers { benefits { tiers { code } } } }"
    )
    assert _cost(aliased) == 2 * one


def test_the_reported_attack_is_refused_for_everyone():
    attack = "{tiers{benefits{tiers{benefits{tiers{benefits{tiers{code}}}}}}}}"
    assert _cost(attack) > get_settings().max_cost


def test_fragments_spread_many_times_are_costed_without_walking_each_spread():
    # 30 fragments, each spreading the next twice: 2**30 paths, costed in linear time.
    fragments = "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)
    )
    text = f"{{ ...F0 }}\n{fragments}\nfragment F30 on Query {{ viewer {{ kind }} }}"
    assert _cost(text) == 2**30 * 2


def test_every_list_of_the_schema_is_paged_or_bounded():
    schema = served_schema()._schema
    unbounded = [
        f"{type_.name}.{name}"
        for type_ in schema.type_map.values()
        if is_object_type(type_) and not type_.name.startswith("__")
        for name, field in type_.fields.items()
        if is_list_type(get_nullable_type(field.type))
        and isinstance(get_named_type(field.type), GraphQLObjectType)
        and "first" not in field.args
        and cost.list_bound(type_, name, field) is None
    ]
    assert unbounded == []


def _keys(value: object) -> int:
    if isinstance(value, dict):
        return sum(1 + _keys(item) for item in value.values())
    if isinstance(value, list):
        return sum(_keys(item) for item in value)
    return 0


def test_introspection_costs_the_size_of_its_answer():
    # Introspection lists are the schema's own: an introspection field costs exactly the
    # fields of its answer, however its lists nest.
    schema = served_schema()._schema
    for text in (
        get_introspection_query(descriptions=True),
        "{ a: __schema { types { name fields { name type { name ofType { name } } } } }"
        ' b: __type(name: "Member") { fields { args { name } } } }',
    ):
        answer = graphql_sync(schema, text)
        assert answer.errors is None
        assert _cost(text) == _keys(answer.data)


def test_graphiql_introspection_fits_the_anonymous_budget():
    # Development answers introspection to everyone: GraphiQL must load before sign-in.
    assert _cost(get_introspection_query(descriptions=True)) <= get_settings().max_cost_anonymous


def test_counting_stops_at_the_budget():
    assert _cost(get_introspection_query(), budget=500) == 501
