"""Each field of the schema's object types, as strawberry and graphql-core each hold it:
what is bound to fields once, at start-up, walks them here."""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField


def object_fields(
    schema: strawberry.Schema,
) -> Iterator[tuple[str, str, StrawberryField, GraphQLField]]:
    """(type name, field name, strawberry's field, graphql-core's field) of every field."""
    for type_name, concrete in schema.schema_converter.type_map.items():
        graphql_type = schema._schema.type_map.get(type_name)
        definition = concrete.definition
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        assert isinstance(definition, StrawberryObjectDefinition)
        for field in definition.fields:
            name = schema.config.name_converter.from_field(field)
            graphql_field = graphql_type.fields.get(name)
            if graphql_field is not None:
                yield type_name, name, field, graphql_field
