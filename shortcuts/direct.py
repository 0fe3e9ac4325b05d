"""Resolver methods called by graphql-core without strawberry's wrapper.

For a field with a resolver, strawberry's wrapper runs on every call: an Info, the
arguments converted one by one (each conversion re-imports a module), a chain of
extension functions built and reduced, and for an async method a coroutine of its own
around the method's. For arguments that are scalars and enums (or none) the conversion
only renames them (graphql-core has parsed them already), so the method is called
directly with its Info and its arguments under their Python names: a member screen
calls four such fields (issue 7). A field with extensions, or an argument of another
kind (an input object, a list, a global id, a Maybe), keeps strawberry's wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField

from shortcuts.fields import object_fields
from shortcuts.relations import RELATION


def install(schema: strawberry.Schema) -> None:
    """Bind each eligible method straight to its graphql-core field (before guards wrap
    the resolvers)."""
    for _, _, field, graphql_field in object_fields(schema):
        # A subscription's field resolves each event its generator yields.
        if graphql_field.subscribe or RELATION in field.metadata:
            continue
        resolve = _direct(schema, field)
        if resolve is not None:
            graphql_field.resolve = resolve


def _direct(schema: strawberry.Schema, field: StrawberryField) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if (
        resolver is None
        or field.extensions
        or resolver.root_parameter is not None
        or not all(_plain(argument, schema) for argument in field.arguments)
    ):
        return None
    method = resolver.wrapped_func
    info_class = schema.config.info_class
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    python_names = {
        schema.config.name_converter.from_argument(argument): argument.python_name
        for argument in field.arguments
    }

    def named(info: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        found = {python_names[name]: value for name, value in arguments.items()}
        if info_name is not None:
            found[info_name] = info_class(_raw_info=info, _field=field)
        return found

    # `method` is strawberry's wrapped_func, typed as possibly a classmethod object: the
    # resolvers given here are plain functions (operator ignores below).
    if resolver.self_parameter is None:  # a function: graphql-core's source is not its own
        return lambda _source, info, **arguments: method(**named(info, arguments))  # type: ignore[operator]
    return lambda source, info, **arguments: method(source, **named(info, arguments))  # type: ignore[operator]


def _plain(argument: StrawberryArgument, schema: strawberry.Schema) -> bool:
    """Whether strawberry's conversion gives the argument's parsed value back as it is."""
    type_ = argument.type
    if isinstance(type_, StrawberryMaybe):  # converted into Some(value)
        return False
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if type_ is GlobalID:
        return False
    registry = schema.schema_converter.scalar_registry
    return (
        is_scalar(type_, registry)
        or isinstance(type_, StrawberryEnumDefinition)
        or has_enum_definition(type_)
    )
