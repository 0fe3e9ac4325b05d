"""GraphQL documents: parsed once per text, validated once per document and rules.

strawberry spreads this over four extensions (ParserCache, MaxTokensLimiter,
AddValidationRules, ValidationCache), each with hooks run on every request, about
15 us each under load (issue 7); here it is one hook. ValidationCache also keyed its
cache on the document's value, and hashing a document walks every node of it: the
parse cache hands out one document object per query text, so its identity is key
enough.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from functools import lru_cache

from graphql import GraphQLError, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from auth.introspection import IntrospectionGate, introspection_allowed
from schema.by_identity import ByIdentity

_parsed = lru_cache(maxsize=256)(parse)
_VALIDATED: ByIdentity[list[GraphQLError]] = ByIdentity(kept=256)


class Documents(SchemaExtension):
    """Parses with the token limit and validates with the limit rules, adding the
    introspection gate's rule (DESIGN §5) for callers it keeps out."""

    def __init__(self, rules: Sequence[type[ASTValidationRule]], max_tokens: int) -> None:
        self.rules = tuple(rules)
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        rules = (*ctx.validation_rules, *self.rules)
        if not introspection_allowed(context.settings.introspection, context.actor.is_staff):
            # The validations kept are keyed by the rules too: no caller gets another's.
            rules = (*rules, IntrospectionGate)
        ctx.validation_rules = rules
        ctx.parse_options["max_tokens"] = self.max_tokens
        if ctx.graphql_document is None and ctx.query:
            # On a syntax error strawberry parses it again, and reports it as any other.
            with suppress(GraphQLError):
                ctx.graphql_document = _parsed(ctx.query, max_tokens=self.max_tokens)
        document = ctx.graphql_document
        if document is not None:
            ctx.pre_execution_errors = _VALIDATED.get(
                [document], rules, lambda: validate_document(ctx.schema._schema, document, rules)
            )
        yield
