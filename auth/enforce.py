"""Enforcement of auth/policy.py: a guard around the resolver of every field with a row.

The guard wraps graphql-core's resolver itself rather than being a strawberry field
extension: an extension makes strawberry build an Info, convert arguments and await
a chain for every field of every row, which was most of a wide page's cost. Wrapped
this way, a plain column stays a plain attribute read plus one dict lookup.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver

from auth.masking import mask
from auth.ownership import check_ownership
from auth.policy import POLICY, SENSITIVE_FIELDS, Cell, is_open
from core.ids import to_global_id

Resolver = Callable[..., Any]


class PolicyGuard:
    """Null plus one FORBIDDEN error where the caller's cell denies; masks where it masks."""

    def __init__(self, type_name: str, field_name: str) -> None:
        self.key = (type_name, field_name)
        self.type_name = type_name
        self.field_name = field_name
        self.what = f"{type_name}.{field_name}"
        self.not_yours = f"{self.what} of another member."
        self.sensitive = self.key in SENSITIVE_FIELDS
        # Whether a read may come out other than as stored: masked, or noted for the audit.
        self.shaping = self.sensitive or any(cell.masked for cell in POLICY[self.key].values())

    def admit(self, source: Any, context: Any) -> Cell:
        cell: Cell = context.cell(self.key)
        if cell.kind == "full":
            return cell
        check_ownership(context.actor, cell, source, what=self.what, not_yours=self.not_yours)
        return cell

    def admits_in_full(self, context: Any) -> bool:
        """Whether this request's caller reads every value as stored, unrefused."""
        return not self.shaping and context.cell(self.key).kind == "full"

    def shape(self, cell: Cell, source: Any, context: Any, value: Any) -> Any:
        if cell.masked:
            return mask(self.field_name, value)
        if self.sensitive and value is not None:
            owner = getattr(source, "owner_member_id", None)
            record_id = owner if self.type_name == "Member" else getattr(source, "id", None)
            context.audit.read_clear(
                self.what,
                to_global_id(self.type_name, record_id) if record_id is not None else None,
            )
        return value

    def wrap(self, resolve: Resolver) -> Resolver:
        admit, shape = self.admit, self.shape
        if not self.shaping:

            def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
                admit(source, info.context)
                return resolve(source, info, **kwargs)

            return guarded

        async def shaped_later(cell: Cell, source: Any, context: Any, pending: Any) -> Any:
            return shape(cell, source, context, await pending)

        def guarded_and_shaped(source: Any, info: Any, **kwargs: Any) -> Any:
            context = info.context
            cell = admit(source, context)
            value = resolve(source, info, **kwargs)
            if inspect.isawaitable(value):
                return shaped_later(cell, source, context, value)
            return shape(cell, source, context, value)

        return guarded_and_shaped


class UnclassifiedFields(Exception):
    """Fields the policy neither guards nor lists as open: a schema with one is not built,
    since an unclassified field would be open to every caller by omission."""


def install(schema: GraphQLSchema) -> dict[tuple[str, str], PolicyGuard]:
    """Guard every field that has a policy row; returns the guards by (type, field).
    Raises UnclassifiedFields, naming them, for fields neither guarded nor open.

    A subscription is admitted once, when it starts (its `subscribe`); its events are
    whole rows.
    """
    guarded: dict[tuple[str, str], PolicyGuard] = {}
    unclassified: list[str] = []
    for type_name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            key = (type_name, field_name)
            if key not in POLICY:
                if not is_open(key):
                    unclassified.append(f"{type_name}.{field_name}")
                continue
            guard = PolicyGuard(type_name, field_name)
            if field.subscribe is not None:
                field.subscribe = guard.wrap(field.subscribe)
            else:
                field.resolve = guard.wrap(field.resolve or default_field_resolver)
            guarded[key] = guard
    if unclassified:
        raise UnclassifiedFields(
            "Neither in POLICY nor in OPEN_FIELDS (auth/policy.py): " + ", ".join(unclassified)
        )
    return guarded
