"""Query cost: every field costs 1, and what is selected under a field with a `first`
argument counts `first` times (its default, or the largest page, when not given).

A document whose `first` arguments are all written in it costs the same on every
request: that cost is worked out once per parsed document."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast,
)
from graphql.execution.values import VariableValues, get_variable_values
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.utilities import get_operation_ast

from schema.by_identity import ByIdentity

META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        default_first: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_first = default_first
        self.varies = False  # a `first` came from a variable

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set, self.condition(selection, parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.selections(
                        fragment.selection_set, self.condition(fragment, parent)
                    )
        return total

    def condition(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLNamedType | None
    ) -> GraphQLNamedType | None:
        if fragment.type_condition is None:
            return parent
        return self.schema.get_type(fragment.type_condition.name.value)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        definition = self.definition(node.name.value, parent)
        if node.selection_set is None or definition is None:
            return 1
        children = self.selections(node.selection_set, get_named_type(definition.type))
        return 1 + self.multiplier(node, definition) * children

    def definition(self, name: str, parent: GraphQLNamedType | None) -> GraphQLField | None:
        if name in META_FIELDS:
            return META_FIELDS[name]
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def multiplier(self, node: FieldNode, definition: GraphQLField) -> int:
        argument = definition.args.get("first")
        if argument is None:
            return 1
        given = next((a for a in node.arguments or () if a.name.value == "first"), None)
        if given is not None and isinstance(given.value, VariableNode):
            self.varies = True
        value = value_from_ast(given.value, argument.type, self.variables) if given else None
        if value is None and given is None:
            value = argument.default_value
        return max(value, 0) if isinstance(value, int) else self.default_first


# Per (schema, document) and (operation, default page): its cost, or None when it varies.
_fixed_costs: ByIdentity[int | None] = ByIdentity(kept=256)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    default_first: int,
) -> int:
    fixed = _fixed_costs.get(
        (schema, document),
        (operation_name, default_first),
        lambda: _fixed_cost(schema, document, operation_name, default_first),
    )
    if fixed is not None:
        return fixed
    return _costing(schema, document, operation_name, variables, default_first)[0]


def _fixed_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, default_first: int
) -> int | None:
    cost, varies = _costing(schema, document, operation_name, None, default_first)
    return None if varies else cost


def _costing(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    default_first: int,
) -> tuple[int, bool]:
    """The cost, and whether it depends on the variables."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, False
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    # Bad variables fail execution anyway; cost them at the default page size meanwhile.
    values = coerced.coerced if isinstance(coerced, VariableValues) else {}
    root = schema.get_root_type(operation.operation)
    costing = _Costing(schema, fragments, values, default_first)
    return costing.selections(operation.selection_set, root), costing.varies
