"""graphql-core's execution, with two costs of this stack taken out (issue 7's profile).

1. Tortoise rows define `__await__` (so `await row` works in query chains), and
   graphql-core decides what to await with `hasattr(value, "__await__")`: every row a
   resolver returned, and every row of a list, cost a coroutine, a task and a trip
   through the event loop. Here a row is a value.
2. A plain column (a leaf field read off its row: an attribute, or a method of the row
   alone such as a global id) still went through graphql-core's whole field machinery:
   a resolve info, argument coercion, strawberry's result call, two awaitable checks and
   the completion dispatch, about three quarters of a wide page's time. Here it is its
   policy guard, the read and the leaf's own serialisation. Anything out of the ordinary
   (a denial, an error, a null where the schema says non-null) goes back through
   graphql-core, which reports it in its place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from types import GeneratorType
from typing import Any

import strawberry
from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from tortoise.models import Model

from auth.enforce import PolicyGuard

# Whether values of a class are awaitable, learnt once per class: graphql-core asks
# several times per field. Generators decide per object (only generator-based
# coroutines are awaitable), so they are always asked afresh.
_AWAITABLE_CLASSES: dict[type, bool] = {}


def is_awaitable(value: Any) -> bool:
    cls = type(value)
    verdict = _AWAITABLE_CLASSES.get(cls)
    if verdict is None:
        verdict = optimized_is_awaitable(value) and not isinstance(value, Model)
        if cls is not GeneratorType:
            _AWAITABLE_CLASSES[cls] = verdict
    return verdict


@dataclass(frozen=True, slots=True)
class PlainField:
    """A leaf field read off its source alone, behind its policy guard."""

    read: Callable[[Any], Any]
    leaf: GraphQLLeafType
    non_null: bool
    guard: PolicyGuard | None

    def complete(self, source: Any, context: Any) -> Any:
        """The serialised value, or Undefined when graphql-core must take the field."""
        guard = self.guard
        if guard is None:
            value = self.read(source)
        else:
            cell = guard.admit(source, context)
            value = self.read(source)
            if guard.shaping:
                value = guard.shape(cell, source, context, value)
        if value is None:
            return Undefined if self.non_null else None
        coerced = self.leaf.coerce_output_value(value)
        return Undefined if coerced is None else coerced


def plain_fields(
    schema: strawberry.Schema, guards: Mapping[tuple[str, str], PolicyGuard]
) -> dict[str, dict[str, PlainField]]:
    """Per type of the schema, its fields that are attributes of a leaf type."""
    found: dict[str, dict[str, PlainField]] = {}
    for type_name, concrete in schema.schema_converter.type_map.items():
        graphql_type = schema._schema.type_map.get(type_name)
        definition = concrete.definition
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        assert isinstance(definition, StrawberryObjectDefinition)
        for field in definition.fields:
            read = _reader(field)
            if read is None:
                continue
            name = schema.config.name_converter.from_field(field)
            graphql_field = graphql_type.fields.get(name)
            if graphql_field is None or graphql_field.args:
                continue
            leaf = get_nullable_type(graphql_field.type)
            if not is_leaf_type(leaf):
                continue
            found.setdefault(type_name, {})[name] = PlainField(
                read=read,
                leaf=leaf,  # type: ignore[arg-type]
                non_null=isinstance(graphql_field.type, GraphQLNonNull),
                guard=guards.get((type_name, name)),
            )
    return found


def _reader(field: StrawberryField) -> Callable[[Any], Any] | None:
    """How to read `field` off its source alone, if it can be: an attribute, or a plain
    method that takes nothing but the row (no info, no arguments, not async)."""
    if field.is_basic_field:
        return attrgetter(field.python_name)
    resolver = field.base_resolver
    if (
        resolver is None
        or field.extensions
        or resolver.is_async
        or resolver.arguments
        or resolver.info_parameter is not None
        or resolver.root_parameter is not None
        or resolver.self_parameter is None
    ):
        return None
    return resolver.wrapped_func  # type: ignore[no-any-return]


class FastExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution context with the two shortcuts above."""

    plain: dict[str, dict[str, PlainField]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
        manager = self.middleware_manager
        self.shortcuts = self.plain if manager is None or not manager.middlewares else {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over an object's fields, with plain leaves answered in
        place: no path, resolve info or completion for them (most fields of a page)."""
        plain = self.shortcuts.get(parent_type.name)
        if plain is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        context = self.context_value
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                shortcut = plain.get(field_details_list[0].node.name.value)
                if shortcut is not None:
                    try:
                        value = shortcut.complete(source_value, context)
                    except Exception:  # noqa: BLE001 - graphql-core reports it, in its place
                        value = Undefined
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        pending.append(response_name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        return _gathered(results, pending) if pending else results


async def _gathered(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    """`results` with its awaitable values awaited, concurrently (as graphql-core does)."""
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        values = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, values, strict=True))
    return results
