"""Query cost worked out once per document when no variable decides it."""

from graphql import parse

from app import cost
from schema.root import build_schema

MEMBERS = "query($first: Int) { members(first: $first) { edges { node { id } } } }"


def test_a_document_whose_pages_are_written_in_it_is_costed_once(monkeypatch):
    schema = build_schema()._schema
    document = parse(
        "query($q: String) { members(first: 3, search: $q) { edges { node { id } } } }"
    )
    assert cost.operation_cost(schema, document, None, {"q": "a"}, 100) == 1 + 3 * (1 + (1 + 1))
    monkeypatch.setattr(cost, "_costing", lambda *args: (0, True))
    assert cost.operation_cost(schema, document, None, {"q": "b"}, 100) == 10
    # another default page size is another cost
    assert cost.operation_cost(schema, document, None, None, 50) == 0


def test_a_page_size_given_by_a_variable_is_costed_on_every_request():
    schema = build_schema()._schema
    document = parse(MEMBERS)
    assert cost.operation_cost(schema, document, None, {"first": 2}, 100) == 1 + 2 * 3
    assert cost.operation_cost(schema, document, None, {"first": 4}, 100) == 1 + 4 * 3
    assert cost.operation_cost(schema, document, None, {}, 100) == 1 + 100 * 3
