"""Every text and date input is checked before a resolver sees it (issue 21).

Text: a single line (names, codes, keys, identifiers, passwords, search terms, cursors)
may hold no control character; free text (FREE_TEXT) may hold tabs and line breaks
(services/validation.py). Dates and times lie within 1900-2200 (DESIGN §2).

A check wraps graphql-core's resolver of every field with an argument that holds text
or a date anywhere inside (input objects, lists, JSON), as auth/enforce.py's guards
wrap them and inside those guards: a refused caller learns nothing of the input's
shape. It sees the arguments graphql-core coerced, so a field bound straight to its
method (shortcuts/direct.py) is checked as one called through strawberry, and a value
written inline as one sent as a variable. A refusal is an Invalid at the input's path:
a mutation that answers with a payload of UserErrors answers with one
(schema/user_errors.py), any other field with a GraphQL error coded INVALID
(schema/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLScalarType,
    GraphQLString,
    default_field_resolver,
    get_nullable_type,
)

from schema.user_errors import refused, user_error_payload
from services.errors import Invalid
from services.validation import check_free_text, check_line, check_moment
from shortcuts import object_fields

# Inputs whose text is prose a person writes, where a tab or a line break is ordinary.
# Every other String or ID is a single line; a subject is one too (a title, and an
# e-mail header once sent).
FREE_TEXT = frozenset({"address", "comment", "content", "description", "message", "note", "reason"})
MOMENTS = frozenset({"Date", "DateTime"})

Path = tuple[str, ...]
Check = Callable[[Any, Path], None]
Resolver = Callable[..., Any]


def _json_strings(value: Any, path: Path) -> None:
    """Every string in a JSON value (keys too) is a single line: a rule's values are codes."""
    if isinstance(value, str):
        check_line(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_line(key, path)
            _json_strings(item, path)
    elif isinstance(value, list):
        for item in value:
            _json_strings(item, path)


def _leaf(type_: GraphQLScalarType, name: str) -> Check | None:
    if type_ is GraphQLString or type_ is GraphQLID:
        # Both checks return the cleaned text; strawberry's validator slot is typed -> None.
        return check_free_text if name in FREE_TEXT else check_line  # type: ignore[return-value]
    if type_.name in MOMENTS:
        return check_moment
    if type_.name == "JSON":
        return _json_strings
    return None


class _Checks:
    """The check of each input type, made once; None for a type with nothing to check."""

    def __init__(self) -> None:
        self.objects: dict[str, Check | None] = {}

    def of(self, type_: GraphQLInputType, name: str) -> Check | None:
        nullable = get_nullable_type(type_)
        if isinstance(nullable, GraphQLList):
            return self._items(nullable.of_type, name)
        if isinstance(nullable, GraphQLInputObjectType):
            return self._object(nullable)
        if isinstance(nullable, GraphQLScalarType):
            return _leaf(nullable, name)
        return None  # an enum

    def fields(self, fields: Mapping[str, GraphQLArgument | GraphQLInputField]) -> Check | None:
        """The check of a field's arguments, or of an input object's fields."""
        checks = [(name, check) for name, f in fields.items() if (check := self.of(f.type, name))]
        if not checks:
            return None

        def check_fields(values: Mapping[str, Any], path: Path) -> None:
            for name, check in checks:
                value = values.get(name)
                if value is not None:
                    check(value, (*path, name))

        return check_fields

    def _items(self, item_type: GraphQLInputType, name: str) -> Check | None:
        check = self.of(item_type, name)
        if check is None:
            return None

        def check_items(values: list[Any], path: Path) -> None:
            for index, value in enumerate(values):
                if value is not None:
                    check(value, (*path, str(index)))

        return check_items

    def _object(self, type_: GraphQLInputObjectType) -> Check | None:
        if type_.name not in self.objects:
            self.objects[type_.name] = self.fields(type_.fields)
        return self.objects[type_.name]


def _checked(resolve: Resolver, check: Check, payload: Callable[..., Any] | None) -> Resolver:
    def checked(source: Any, info: Any, **arguments: Any) -> Any:
        try:
            check(arguments, ())
        except Invalid as error:
            if payload is None:
                raise
            return refused(payload, error, info.context)
        return resolve(source, info, **arguments)

    return checked


def install(schema: strawberry.Schema) -> dict[tuple[str, str], Check]:
    """Check the arguments of every field that takes text or dates; returns the checks
    by (type, field). Installed before the policy guards, so that they run first."""
    checks = _Checks()
    installed: dict[tuple[str, str], Check] = {}
    for type_name, name, field, graphql_field in object_fields(schema):
        check = checks.fields(graphql_field.args)
        if check is None:
            continue
        if graphql_field.subscribe is not None:
            graphql_field.subscribe = _checked(graphql_field.subscribe, check, None)
        else:
            resolver = field.base_resolver
            # wrapped_func: a plain function, typed by strawberry as possibly a classmethod.
            payload = user_error_payload(resolver.wrapped_func) if resolver else None  # type: ignore[arg-type]
            resolve = graphql_field.resolve or default_field_resolver
            graphql_field.resolve = _checked(resolve, check, payload)
        installed[type_name, name] = check
    return installed
