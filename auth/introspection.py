"""Introspection gate (DESIGN §5): on, staff (signed-in staff only) or off. The
validation rule that enforces it (`IntrospectionGate`) is added by schema/documents.py;
the same callers get no suggestions when variables are coerced (shortcuts/execution.py)."""

from __future__ import annotations

from typing import Any

from graphql import ValidationContext
from graphql.validation import NoSchemaIntrospectionCustomRule


def introspection_allowed(mode: str, is_staff: bool) -> bool:
    return mode == "on" or (mode == "staff" and is_staff)


def may_introspect(context: Any) -> bool:
    """Whether the request's caller may read the schema (the request's Context)."""
    return introspection_allowed(context.settings.introspection, context.actor.is_staff)


class IntrospectionGate(NoSchemaIntrospectionCustomRule):
    """Refuses introspection, and keeps the schema out of every other validation message
    too: "Cannot query field 'memberz'. Did you mean 'member' or 'members'?" names the
    fields introspection would have listed (also arguments, types and enum values)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        # graphql-core's rules read the option off the context they share; strawberry's
        # validate_document passes none to `validate`. Being one of the rules, the gate
        # is part of the key the validations are kept by: no caller gets another's.
        context._hide_suggestions = True
