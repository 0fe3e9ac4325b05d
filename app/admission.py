"""Which valid operations may run, and for how long: trusted documents, the query cost
limit and the operation's deadline, one extension (each costs every request its hooks,
issue 7).

It refuses in `on_execute`, after validation: a refused query or mutation gets a
result with the error (so its audit entry is still written); a refused subscription
stream ends with it. A query or mutation still running at its deadline is cancelled
(a mutation's unit of work rolls back) and answers OPERATION_TIMEOUT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql import OperationType as GraphQLOperationType
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.cost import operation_cost
from app.trusted_documents import manifest, parsed_hash
from auth.actor import Actor
from core.settings import Settings
from shortcuts.documents import find_operation

TIMEOUT = "OPERATION_TIMEOUT"


def _refuse(ctx: Any, error: GraphQLError) -> None:
    if ctx.operation_type is OperationType.SUBSCRIPTION:
        raise error
    ctx.result = GraphQLExecutionResult(data=None, errors=[error])


class Deadline:
    """Cancels the operation's task at its deadline, noting first that this is why (a
    timer, not asyncio.timeout: the hook that holds it stays a plain generator, which
    costs every request less)."""

    def __init__(self, context: Any, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self.context = context
        self.expired = False
        self.timer = asyncio.get_running_loop().call_later(seconds, self._expire)

    def _expire(self) -> None:
        self.expired = True
        self.context.audit.fault(TIMEOUT)
        self.task.cancel()

    def stop(self) -> None:
        self.timer.cancel()


def cost_limit(settings: Settings, actor: Actor) -> int:
    """Staff explore in GraphiQL; the apps' members and anonymous callers send known
    documents, and may cost the server less (DESIGN §5)."""
    if actor.is_staff:
        return settings.max_cost
    return settings.max_cost_member if actor.is_member else settings.max_cost_anonymous


class Admission(SchemaExtension):
    """Trusted documents: with trusted_documents=required, members and anonymous callers
    run listed documents only; signed-in staff stay free (GraphiQL). The cost limit:
    operations costlier than max_cost are refused; staff see `extensions.cost`."""

    cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        self.admit()
        ctx = self.execution_context
        operation = find_operation(ctx)
        streams = operation is not None and operation.operation is GraphQLOperationType.SUBSCRIPTION
        if ctx.result is not None or streams:
            yield  # refused, or a stream, which lives as long as its subscriber wants
            return
        seconds = ctx.context.settings.operation_timeout_seconds
        deadline = Deadline(ctx.context, seconds)
        try:
            yield
        except asyncio.CancelledError:
            if not deadline.expired:
                raise
            deadline.task.uncancel()
            raise GraphQLError(
                f"The operation ran longer than {seconds:g} s and was stopped.",
                extensions={"code": TIMEOUT},
            ) from None
        finally:
            deadline.stop()

    def admit(self) -> None:
        ctx = self.execution_context
        context = ctx.context
        settings = context.settings
        assert ctx.graphql_document is not None
        if settings.trusted_documents == "required" and not context.actor.is_staff:
            trusted = manifest(settings.trusted_documents_file)
            if parsed_hash(ctx.graphql_document) not in trusted:
                _refuse(
                    ctx,
                    GraphQLError(
                        "Only the apps' trusted documents may run here.",
                        extensions={"code": "UNTRUSTED_DOCUMENT"},
                    ),
                )
        limit = cost_limit(settings, context.actor)
        self.cost = operation_cost(
            ctx.schema._schema,
            ctx.graphql_document,
            ctx.operation_name,
            ctx.variables,
            settings.max_page_size,
            limit,
        )
        if self.cost > limit and ctx.result is None:
            _refuse(
                ctx,
                GraphQLError(
                    f"Query cost {self.cost} exceeds the limit of {limit}.",
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": self.cost, "maxCost": limit},
                ),
            )

    def get_results(self) -> dict[str, Any]:
        if self.cost is None or not self.execution_context.context.actor.is_staff:
            return {}
        return {"cost": self.cost}
