"""Every field of every object type is decided by auth/policy.py: guarded by a POLICY row
or listed open (PUBLIC_ROOT_FIELDS, OPEN_FIELDS), never open by omission."""

from __future__ import annotations

import pytest
from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, GraphQLString

from app.served_schema import served_schema
from auth import enforce
from auth.policy import OPEN_FIELDS, POLICY, PUBLIC_ROOT_FIELDS, is_open

GRAPHQL = served_schema()._schema


def _object_fields(schema: GraphQLSchema) -> list[tuple[str, str]]:
    return [
        (type_name, field_name)
        for type_name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not type_name.startswith("__")
        for field_name in graphql_type.fields
    ]


def test_every_field_of_every_type_is_guarded_or_open():
    # Given the built schema, when each field of each object type is looked up, then the
    # policy guards it or lists it open.
    unclassified = [
        f"{t}.{f}"
        for t, f in _object_fields(GRAPHQL)
        if (t, f) not in POLICY and not is_open((t, f))
    ]
    assert unclassified == [], f"add a POLICY row or an OPEN_FIELDS entry for {unclassified}"


def test_no_field_is_both_guarded_and_open():
    listed_open = {(t, f) for t, names in OPEN_FIELDS.items() for f in names} | PUBLIC_ROOT_FIELDS
    assert sorted(listed_open & POLICY.keys()) == []


def test_every_open_entry_names_a_schema_field():
    # A stale entry would open a field that a later type of that name happens to have.
    fields = set(_object_fields(GRAPHQL))
    listed_open = {(t, f) for t, names in OPEN_FIELDS.items() for f in names} | PUBLIC_ROOT_FIELDS
    assert sorted(listed_open - fields) == []


def test_a_schema_with_an_unclassified_field_is_not_built():
    # Given a schema with a field the policy does not know, when enforcement is installed,
    # then it refuses, naming the field.
    schema = GraphQLSchema(
        GraphQLObjectType(
            "Query",
            {"tiers": GraphQLField(GraphQLString), "secretCount": GraphQLField(GraphQLString)},
        )
    )
    with pytest.raises(enforce.UnclassifiedFields, match=r"Query\.secretCount$"):
        enforce.install(schema)
