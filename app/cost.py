"""Query cost (DESIGN §5): every field costs 1, and what is selected under a list counts
as many times as the list can have items: `first` times under a field that takes a
`first` (its default, or the largest page, when not given), the declared bound of any
other list (services/limits.py). Aliases and fragments count each time they appear.

A document whose `first` arguments are all written in it costs the same on every
request: that cost is worked out once per parsed document."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.utilities import get_operation_ast

from models.enums import LifecycleStage, ProgrammeCode
from services import limits
from services.tags import MAX_CONDITIONS
from shortcuts.by_identity import ByIdentity

META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}
# The most items each list without a `first` can hold (a test keeps every such list of
# the schema here). A connection's `edges` are its page, charged on the connection.
LIST_BOUNDS: dict[tuple[str, str], int] = {
    ("Query", "tiers"): limits.TIERS,
    ("Query", "benefits"): limits.BENEFITS,
    ("Query", "tagDefinitions"): limits.TAG_DEFINITIONS,
    ("Query", "tagEvaluation"): limits.TAG_DEFINITIONS,
    ("Tier", "benefits"): limits.BENEFITS,
    ("Benefit", "tiers"): limits.TIERS,
    ("Member", "benefits"): limits.BENEFITS,
    ("Member", "tags"): limits.ACTIVE_TAGS,
    ("TagExplanation", "conditions"): MAX_CONDITIONS,
    ("Member", "tierHistory"): limits.TIER_HISTORY,
    ("ServiceCase", "communications"): limits.CASE_COMMUNICATIONS,
    ("Insights", "tierDistribution"): limits.TIERS,
    ("Insights", "stageDistribution"): len(LifecycleStage),
    ("Insights", "campaigns"): limits.INSIGHT_CAMPAIGNS,
    ("Query", "webhookEndpoints"): limits.WEBHOOK_ENDPOINTS,
    ("Query", "programmes"): len(ProgrammeCode),
}
# Lists bounded by what they hold, whatever field lists them.
ITEM_BOUNDS: dict[str, int] = {"UserError": limits.USER_ERRORS}
EDGES = "edges"


def list_bound(parent: GraphQLNamedType | None, name: str, field: GraphQLField) -> int | None:
    """How many items the list `field` can hold; None when it is no list or unbounded."""
    if not is_list_type(get_nullable_type(field.type)) or parent is None:
        return None
    if name == EDGES and parent.name.endswith("Connection"):
        return 1
    return LIST_BOUNDS.get((parent.name, name), ITEM_BOUNDS.get(get_named_type(field.type).name))


class OverBudget(Exception):
    """Counting stopped: the answer of an introspection field passes the budget."""


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        default_first: int,
        budget: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_first = default_first
        self.budget = budget
        self.varies = False  # a `first` came from a variable
        self.answered = 0  # introspection counted so far, against the budget
        # A fragment spread in many places costs the same in each: worked out once, so a
        # document of fragments spreading fragments is costed in time linear in its size.
        self.known: dict[tuple[int, str | None], int] = {}
        self.info = SimpleNamespace(schema=schema)

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> int:
        key = (id(selection_set), parent.name if parent is not None else None)
        if key not in self.known:
            self.known[key] = sum(
                self.selection(selection, parent) for selection in selection_set.selections
            )
        return self.known[key]

    def selection(self, selection: SelectionNode, parent: GraphQLNamedType | None) -> int:
        if isinstance(selection, FieldNode):
            return self.field(selection, parent)
        if isinstance(selection, InlineFragmentNode):
            return self.selections(selection.selection_set, self.condition(selection, parent))
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            if fragment is not None:
                return self.selections(fragment.selection_set, self.condition(fragment, parent))
        return 0

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
        if node.name.value in META_FIELDS:
            return self.introspection(node, definition, None)
        children = self.selections(node.selection_set, get_named_type(definition.type))
        return 1 + self.multiplier(node, parent, definition) * children

    def definition(self, name: str, parent: GraphQLNamedType | None) -> GraphQLField | None:
        if name in META_FIELDS:
            return META_FIELDS[name]
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def multiplier(
        self, node: FieldNode, parent: GraphQLNamedType | None, definition: GraphQLField
    ) -> int:
        argument = definition.args.get("first")
        if argument is None:
            bound = list_bound(parent, node.name.value, definition)
            if bound is None and is_list_type(get_nullable_type(definition.type)):
                return self.default_first  # a list nobody bounded: as a full page
            return bound or 1
        given = next((a for a in node.arguments or () if a.name.value == "first"), None)
        if given is not None and isinstance(given.value, VariableNode):
            self.varies = True
        value = value_from_ast(given.value, argument.type, self.variables) if given else None
        if value is None and given is None:
            value = argument.default_value
        return max(value, 0) if isinstance(value, int) else self.default_first

    def introspection(self, node: FieldNode, definition: GraphQLField, source: Any) -> int:
        """What an introspection field costs: the size of its answer, read off the schema
        with graphql-core's own resolvers. Its lists are the schema's, not pages, and
        nesting them (a type's fields' types' fields...) multiplies what they really hold,
        not their longest; counting stops past the budget (OverBudget)."""
        self.answered += 1
        if self.answered > self.budget:
            raise OverBudget
        if any(isinstance(a.value, VariableNode) for a in node.arguments or ()):
            self.varies = True
        # Introspection fields always carry graphql-core's resolver.
        value = definition.resolve(source, self.info, **self.arguments(definition, node))  # type: ignore[misc]
        if node.selection_set is None or value is None:
            return 1
        items = value if is_list_type(get_nullable_type(definition.type)) else [value]
        item_type = get_named_type(definition.type)
        return 1 + sum(
            self.answer(node.selection_set, item_type, item) for item in items if item is not None
        )

    def answer(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, source: Any) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = self.definition(selection.name.value, parent)
                total += (
                    self.introspection(selection, definition, source)
                    if definition is not None
                    else 1  # __typename
                )
                continue
            fragment = (
                self.fragments.get(selection.name.value)
                if isinstance(selection, FragmentSpreadNode)
                else selection
            )
            # Not a FieldNode (handled above): a fragment spread's definition or an inline fragment.
            if fragment is not None and self.condition(fragment, parent) is parent:  # type: ignore[arg-type]
                total += self.answer(fragment.selection_set, parent, source)  # type: ignore[union-attr]
        return total

    def arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            # The request's coerced variables, as graphql-core's VariableValues holds them.
            return get_argument_values(definition, node, self.variables)  # type: ignore[arg-type]
        except GraphQLError:  # bad arguments fail execution; count with the defaults
            return {}


# Per document and (schema, operation, default page, budget): its cost, or None when it
# varies.
_fixed_costs: ByIdentity[int | None] = ByIdentity(kept=256)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    default_first: int,
    budget: int,
) -> int:
    """The operation's cost; past `budget`, any number above it (counting may stop)."""
    fixed = _fixed_costs.get(
        (document,),
        (schema, operation_name, default_first, budget),
        lambda: _fixed_cost(schema, document, operation_name, default_first, budget),
    )
    if fixed is not None:
        return fixed
    return _costing(schema, document, operation_name, variables, default_first, budget)[0]


def _fixed_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    default_first: int,
    budget: int,
) -> int | None:
    cost, varies = _costing(schema, document, operation_name, None, default_first, budget)
    return None if varies else cost


def _costing(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    default_first: int,
    budget: int,
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
    costing = _Costing(schema, fragments, values, default_first, budget)
    try:
        return costing.selections(operation.selection_set, root), costing.varies
    except OverBudget:
        return budget + 1, costing.varies
