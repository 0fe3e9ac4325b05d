"""Introspection gate (DESIGN §5): on, staff (signed-in staff only) or off."""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension


def introspection_allowed(mode: str, is_staff: bool) -> bool:
    return mode == "on" or (mode == "staff" and is_staff)


class IntrospectionGate(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if not introspection_allowed(context.settings.introspection, context.actor.is_staff):
            # The validation cache keys on the rules too, so this cannot leak between callers.
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield
