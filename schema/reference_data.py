"""A query reads the reference data once (services/reference_data.py): it writes nothing
but its audit entry, so what its first read found stands for all of it, however many of
its fields ask (a member screen: the tier ladder, the tag definitions and the benefits).
A mutation reads it afresh each time, so its answers show what it changed."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from services.reference_data import read_once
from shortcuts.documents import find_operation


class ReferenceDataOnce(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        operation = find_operation(self.execution_context)
        if operation is None or operation.operation is not OperationType.QUERY:
            yield
            return
        with read_once():
            yield
