"""Validation once per document: strawberry's ValidationCache, keyed by the document itself.

ValidationCache keys its LRU cache on the document's value, and hashing a document walks
every node of it, on every request. The parser cache already hands out one document
object per query text, so its identity is key enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# (id of the document, the rules) -> (the document, its errors). Each entry holds its
# document, so the id stays unique while the entry lives.
_VALIDATED: dict[tuple[int, tuple[Any, ...]], tuple[DocumentNode, list[GraphQLError]]] = {}
_KEPT = 256


class ValidatedDocuments(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        assert document is not None
        rules = tuple(ctx.validation_rules)
        key = (id(document), rules)
        known = _VALIDATED.get(key)
        if known is None or known[0] is not document:
            if len(_VALIDATED) >= _KEPT:
                del _VALIDATED[next(iter(_VALIDATED))]
            known = _VALIDATED[key] = (
                document,
                validate_document(ctx.schema._schema, document, rules),
            )
        ctx.pre_execution_errors = known[1]
        yield
