"""Enforcement of auth/policy.py: one field extension, installed on every row's field."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from auth.errors import Forbidden, denial
from auth.masking import mask
from auth.policy import POLICY, SENSITIVE_FIELDS, Cell
from schema.ids import to_global_id


class PolicyGuard(FieldExtension):
    """Null plus one FORBIDDEN error where the caller's cell denies; masks where it masks."""

    def __init__(self, type_name: str, field_name: str) -> None:
        self.key = (type_name, field_name)
        self.type_name = type_name
        self.field_name = field_name
        self.sensitive = self.key in SENSITIVE_FIELDS

    def _admit(self, source: Any, info: Any) -> Cell:
        context = info.context
        cell = context.cell(self.key)
        if not cell.allowed:
            raise denial(context.actor.is_anonymous, f"{self.type_name}.{self.field_name}")
        owner = getattr(source, "owner_member_id", None)
        if cell.kind == "self" and source is not None and owner != context.actor.member_id:
            raise Forbidden(f"{self.type_name}.{self.field_name} of another member.")
        return cell

    def _shape(self, cell: Cell, source: Any, info: Any, value: Any) -> Any:
        if cell.masked:
            return mask(self.field_name, value)
        if self.sensitive and value is not None:
            owner = getattr(source, "owner_member_id", None)
            model = "Member" if self.type_name == "Member" else self.type_name
            record_id = owner if self.type_name == "Member" else getattr(source, "id", None)
            info.context.audit.read_clear(
                f"{self.type_name}.{self.field_name}",
                to_global_id(model, record_id) if record_id is not None else None,
            )
        return value

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        cell = self._admit(source, info)
        return self._shape(cell, source, info, next_(source, info, **kwargs))

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        cell = self._admit(source, info)
        result = next_(source, info, **kwargs)
        if inspect.isasyncgen(result):
            return result  # a subscription's stream: admitted once, its events are whole rows
        return self._shape(cell, source, info, await result)


def _fields(definition: StrawberryObjectDefinition) -> Iterable[tuple[str, StrawberryField]]:
    for field in definition.fields:
        yield field.graphql_name or to_camel_case(field.python_name), field


def install(definitions: Iterable[StrawberryObjectDefinition]) -> set[tuple[str, str]]:
    """Put a PolicyGuard on every field that has a policy row; returns the keys guarded."""
    guarded: set[tuple[str, str]] = set()
    for definition in definitions:
        for name, field in _fields(definition):
            key = (definition.name, name)
            if key not in POLICY or key in guarded:
                continue
            if not any(isinstance(ext, PolicyGuard) for ext in field.extensions):
                field.extensions.append(PolicyGuard(*key))
            guarded.add(key)
    return guarded
