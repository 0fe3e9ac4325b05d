"""Which valid operations may run: trusted documents and the query cost limit, one
extension (each costs every request its hooks, issue 7).

It refuses in `on_execute`, after validation: a refused query or mutation gets a
result with the error (so its audit entry is still written); a refused subscription
stream ends with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.cost import operation_cost
from app.trusted_documents import manifest, text_hash


def _refuse(ctx: Any, error: GraphQLError) -> None:
    if ctx.operation_type is OperationType.SUBSCRIPTION:
        raise error
    ctx.result = GraphQLExecutionResult(data=None, errors=[error])


class Admission(SchemaExtension):
    """Trusted documents: with trusted_documents=required, members and anonymous callers
    run listed documents only; signed-in staff stay free (GraphiQL). The cost limit:
    operations costlier than max_cost are refused; staff see `extensions.cost`."""

    cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        settings = context.settings
        if settings.trusted_documents == "required" and not context.actor.is_staff:
            trusted = manifest(settings.trusted_documents_file)
            if ctx.query is None or text_hash(ctx.query) not in trusted:
                _refuse(
                    ctx,
                    GraphQLError(
                        "Only the apps' trusted documents may run here.",
                        extensions={"code": "UNTRUSTED_DOCUMENT"},
                    ),
                )
        assert ctx.graphql_document is not None
        self.cost = operation_cost(
            ctx.schema._schema,
            ctx.graphql_document,
            ctx.operation_name,
            ctx.variables,
            settings.max_page_size,
        )
        if self.cost > settings.max_cost and ctx.result is None:
            _refuse(
                ctx,
                GraphQLError(
                    f"Query cost {self.cost} exceeds the limit of {settings.max_cost}.",
                    extensions={
                        "code": "QUERY_TOO_COSTLY",
                        "cost": self.cost,
                        "maxCost": settings.max_cost,
                    },
                ),
            )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None or not self.execution_context.context.actor.is_staff:
            return {}
        return {"cost": self.cost}
