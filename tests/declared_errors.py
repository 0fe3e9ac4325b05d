"""Checks each mutation's declared `errors` codes against the codes it really answers with:
every mutation the tests run is watched, and a code it answers with that its description
does not declare is noted, so the test that caused it fails (tests/conftest.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from app.served_schema import served_schema
from schema.user_errors import ERROR_CODES
from shortcuts.fields import object_fields

Resolver = Callable[..., Any]

undeclared: list[str] = []


def _watched(name: str, declared: frozenset[str], resolve: Resolver) -> Resolver:
    def note(payload: Any) -> Any:
        for error in getattr(payload, "errors", None) or ():
            if error.code not in declared:
                undeclared.append(f"{name} answered {error.code}, not among {sorted(declared)}")
        return payload

    async def noted_later(pending: Any) -> Any:
        return note(await pending)

    def watched(source: Any, info: Any, **kwargs: Any) -> Any:
        result = resolve(source, info, **kwargs)
        return noted_later(result) if inspect.isawaitable(result) else note(result)

    return watched


def watch() -> None:
    """Wrap the resolver of every mutation of the served schema (once)."""
    schema = served_schema()
    mutation = schema._schema.type_map["Mutation"]
    if getattr(mutation, "_watched", False):
        return
    for type_name, name, field, graphql_field in object_fields(schema):
        if type_name == "Mutation":
            declared = frozenset(field.metadata.get(ERROR_CODES, ()))
            graphql_field.resolve = _watched(name, declared, graphql_field.resolve)  # type: ignore[arg-type]
    mutation._watched = True  # type: ignore[attr-defined]
