"""GraphQL documents parsed once per text and validated once per document and rules, and
the request's operation found once.

strawberry spreads this over four extensions (ParserCache, MaxTokensLimiter,
AddValidationRules, ValidationCache), each with hooks run on every request, about
15 us each under load (issue 7); here the caches are plain functions one hook calls
(schema/documents.py). ValidationCache also keyed its cache on the document's value,
and hashing a document walks every node of it: the parse cache hands out one document
object per query text, so its identity is key enough.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from graphql.validation import ASTValidationRule
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from shortcuts.by_identity import ByIdentity

_VALIDATED: ByIdentity[list[GraphQLError]] = ByIdentity(kept=256)


class ParsedDocuments:
    """Documents parsed once per text, the most recently used kept: at most `kept` of
    them and `kept_bytes` of their text, so distinct large queries cannot pin memory; a
    text over `largest` is parsed for its request alone."""

    def __init__(self, kept: int, kept_bytes: int, largest: int) -> None:
        self.kept = kept
        self.kept_bytes = kept_bytes
        self.largest = largest
        self.size = 0
        self.documents: OrderedDict[tuple[str, int], DocumentNode] = OrderedDict()

    def get(self, text: str, max_tokens: int) -> DocumentNode:
        key = (text, max_tokens)
        document = self.documents.get(key)
        if document is not None:
            self.documents.move_to_end(key)
            return document
        document = parse(text, max_tokens=max_tokens)
        size = _bytes(text)
        if size <= self.largest:
            self.documents[key] = document
            self.size += size
            while len(self.documents) > self.kept or self.size > self.kept_bytes:
                (old, _), _ = self.documents.popitem(last=False)
                self.size -= _bytes(old)
        return document


def _bytes(text: str) -> int:
    # A character of a Chinese comment takes three; of an ASCII query, one.
    return len(text.encode(errors="replace"))


# The console's and the apps' documents are a few kilobytes each.
_parsed = ParsedDocuments(kept=256, kept_bytes=4 * 1024 * 1024, largest=64 * 1024)


def parsed(text: str, max_tokens: int) -> DocumentNode:
    """`text` parsed, or the document parsed from it before (GraphQLError when invalid)."""
    return _parsed.get(text, max_tokens)


def validated(
    schema: Any, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """strawberry's validation of `document` under `rules`, kept while the document lives."""
    return _VALIDATED.get([document], rules, lambda: validate_document(schema, document, rules))


def find_operation(ctx: ExecutionContext) -> OperationDefinitionNode | None:
    """The operation of a parsed request: the one its name picks, or the document's only
    one (strawberry's `operation_type` makes an enum of it on every call). Looked up once
    per request, for the several extensions that ask."""
    document = ctx.graphql_document
    if document is None:
        return None
    found = vars(ctx).get(_FOUND)
    if found is not None and found[0] is document:
        known: OperationDefinitionNode | None = found[1]
        return known
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = _provided_name(ctx)
    if name:
        operations = [o for o in operations if o.name and o.name.value == name]
    operation = operations[0] if len(operations) == 1 else None
    vars(ctx)[_FOUND] = (document, operation)
    return operation


# Where find_operation keeps its answer on the request's execution context.
_FOUND = "memberhub_operation"


def operation_name(ctx: ExecutionContext) -> str | None:
    """The name the request gave, or that of the document's only operation (strawberry's
    `operation_name` names the first one also of a document of several)."""
    document = ctx.graphql_document
    if document is not None and several_unnamed(ctx, document):
        return None
    return ctx.operation_name


def _provided_name(ctx: ExecutionContext) -> str | None:
    return ctx._provided_operation_name


def several_unnamed(ctx: ExecutionContext, document: DocumentNode) -> bool:
    """A document of several operations sent without operationName, which strawberry
    would answer by running the first one (GraphQL makes it a request error)."""
    if len(document.definitions) < 2 or _provided_name(ctx) is not None:
        return False
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) > 1
