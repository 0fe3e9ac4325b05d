"""Every text and date input of the schema is checked, enumerated from the schema itself.

Each String, ID and JSON argument or input field, of every field of every type (root,
nested, subscription), and each Date and DateTime, is given a bad value at its path and
handed to the resolver graphql-core calls, behind a context the policy admits in full.
The check must refuse it before the resolver runs: an Invalid at that path, or for a
mutation with a payload of UserErrors, that payload. A field added tomorrow is in this
list tomorrow; a scalar nobody classified fails the test until someone does.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    default_field_resolver,
    get_named_type,
    get_nullable_type,
)

from app.served_schema import served_schema
from auth.policy import FULL
from schema.inputs import FREE_TEXT
from services.errors import Invalid

GRAPHQL = served_schema()._schema
TEXT = {"String", "ID"}
MOMENTS = {"Date": "1899-12-31", "DateTime": "1899-12-31T23:59:59+00:00"}
UNCHECKED = {"Int", "Float", "Boolean", "Decimal"}  # numbers and flags: no text, no date
Path = tuple[str, ...]


def _leaves(type_: GraphQLInputType, path: Path) -> Iterator[tuple[Path, str]]:
    """(path, scalar name) of every scalar under an input type; list items at index 0."""
    nullable = get_nullable_type(type_)
    if isinstance(nullable, GraphQLList):
        yield from _leaves(nullable.of_type, (*path, "0"))
    elif isinstance(nullable, GraphQLInputObjectType):
        for name, field in nullable.fields.items():
            yield from _leaves(field.type, (*path, name))
    elif isinstance(nullable, GraphQLScalarType):
        yield path, nullable.name
    else:
        assert isinstance(nullable, GraphQLEnumType)


def _fields() -> Iterator[tuple[str, str, Any]]:
    for type_name, type_ in GRAPHQL.type_map.items():
        if isinstance(type_, GraphQLObjectType) and not type_name.startswith("__"):
            for name, field in type_.fields.items():
                yield type_name, name, field


def _bad_values(scalar: str, path: Path) -> list[Any]:
    if scalar in TEXT:
        named = next(part for part in reversed(path) if not part.isdigit())
        return ["a\x00b"] if named in FREE_TEXT else ["a\x00b", "a\nb"]
    if scalar == "JSON":
        return [{"field": "age", "op": "eq", "value": "a\x00b"}]
    moment = GRAPHQL.type_map[scalar]
    assert isinstance(moment, GraphQLScalarType)
    return [moment.parse_value(MOMENTS[scalar])]  # as graphql-core hands it over


# (type, field, path, bad value) for every checked leaf of every field's arguments.
CASES = [
    (type_name, name, path, bad)
    for type_name, name, field in _fields()
    for arg_name, argument in field.args.items()
    for path, scalar in _leaves(argument.type, (arg_name,))
    if scalar not in UNCHECKED
    for bad in _bad_values(scalar, path)
]


def _arguments(path: Path, value: Any) -> dict[str, Any]:
    """Coerced arguments holding `value` at `path` and nothing else (the check runs first,
    so nothing else is needed)."""
    built: Any = value
    for part in reversed(path[1:]):
        built = [built] if part.isdigit() else {part: built}
    return {path[0]: built}


class _Audit:
    def __init__(self) -> None:
        self.codes: list[str] = []

    def user_error(self, code: str) -> None:
        self.codes.append(code)


def test_every_input_scalar_is_classified():
    # Given every scalar any argument or input field takes, each is checked or plainly not text.
    scalars = {
        scalar
        for _, _, field in _fields()
        for arg_name, argument in field.args.items()
        for _, scalar in _leaves(argument.type, (arg_name,))
    }
    assert scalars <= TEXT | {"JSON"} | set(MOMENTS) | UNCHECKED, scalars


def test_every_free_text_name_is_an_input_of_the_schema():
    names = {
        part
        for _, _, field in _fields()
        for arg_name, argument in field.args.items()
        for path, _ in _leaves(argument.type, (arg_name,))
        for part in path
    }
    assert names >= FREE_TEXT


def test_the_cases_reach_root_nested_and_subscription_fields():
    reached = {(type_name, name) for type_name, name, _, _ in CASES}
    assert {("Mutation", "recordPurchase"), ("Member", "pointsLedger")} <= reached
    assert {("Subscription", "pointsPosted"), ("Query", "insights")} <= reached


def _refusal(type_name: str, name: str, path: Path, bad: Any) -> str | None:
    """What is wrong with the field's answer to `bad` at `path`; None when it is refused
    there as it must be."""
    field = GRAPHQL.type_map[type_name].fields[name]  # type: ignore[attr-defined]
    resolve = field.subscribe or field.resolve or default_field_resolver
    audit = _Audit()
    context = SimpleNamespace(cell=lambda _key: FULL, audit=audit, actor=SimpleNamespace())
    try:
        answer = resolve(None, SimpleNamespace(context=context), **_arguments(path, bad))  # type: ignore[arg-type]
    except Invalid as error:
        if error.field != list(path):
            return f"INVALID at {error.field}"
        if "errors" in getattr(get_named_type(field.type), "fields", {}):
            return "a GraphQL error where its payload has errors"
        return None
    if inspect.isawaitable(answer):
        answer.close()  # type: ignore[attr-defined]
        return "ran its resolver"
    errors = [(error.code, error.field) for error in getattr(answer, "errors", [])]
    if errors != [("INVALID", list(path))] or audit.codes != ["INVALID"]:
        return f"answered {errors}, audited {audit.codes}"
    return None


def test_a_bad_input_is_refused_at_its_path_before_the_resolver():
    # Given each field as graphql-core calls it, behind a caller the policy admits in full,
    # when a bad value arrives at one of its text or date paths, then the field is refused
    # with INVALID at that path (a mutation with UserErrors answers with one, audited).
    wrong = {
        f"{type_name}.{name}({'.'.join(path)}={bad!r})": problem
        for type_name, name, path, bad in CASES
        if (problem := _refusal(type_name, name, path, bad)) is not None
    }
    assert wrong == {}
