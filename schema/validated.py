"""Validation once per document: strawberry's ValidationCache, keyed by the document itself.

ValidationCache keys its LRU cache on the document's value, and hashing a document walks
every node of it, on every request. The parser cache already hands out one document
object per query text, so its identity is key enough.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.by_identity import ByIdentity

_VALIDATED: ByIdentity[list[GraphQLError]] = ByIdentity(kept=256)


class ValidatedDocuments(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        assert document is not None
        rules = tuple(ctx.validation_rules)
        ctx.pre_execution_errors = _VALIDATED.get(
            [document], rules, lambda: validate_document(ctx.schema._schema, document, rules)
        )
        yield
