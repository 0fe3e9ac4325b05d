"""The Documents extension: each request's document parsed with the token limit and
validated with the limit rules, through the caches of shortcuts/documents.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress

from graphql import GraphQLError
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension

from auth.introspection import IntrospectionGate, introspection_allowed
from schema.refusals import unresolved_operation
from shortcuts import parsed, several_unnamed, validated


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
                ctx.graphql_document = parsed(ctx.query, self.max_tokens)
        document = ctx.graphql_document
        if document is not None:
            errors = validated(ctx.schema._schema, document, rules)
            if not errors and several_unnamed(ctx, document):
                errors = [unresolved_operation(None, several=True)]
            ctx.pre_execution_errors = errors
        yield
