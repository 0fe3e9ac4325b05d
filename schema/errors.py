"""Error shaping: every error gets extensions.code; unexpected ones are masked and logged."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from auth.errors import PublicError
from services.errors import DomainError, NotAllowed

log = logging.getLogger("memberhub.errors")


def _code_of_request_error(error: GraphQLError) -> str:
    message = error.message
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable") or "got invalid value" in message:
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def with_codes(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Formatted errors, each with extensions.code (parse errors arrive without one)."""
    for error in errors:
        extensions = error.setdefault("extensions", {})
        if not extensions.get("code"):
            extensions["code"] = _code_of_request_error(GraphQLError(str(error.get("message", ""))))
    return errors


# Raised on purpose: a refusal, a domain rule, a GraphQL error. Reported in its place.
_MEANT = (PublicError, DomainError, NotAllowed, GraphQLError)


def is_meant(error: GraphQLError) -> bool:
    """Whether a located error was raised on purpose: nothing logs its traceback."""
    original = error.original_error
    return original is None or isinstance(original, _MEANT)


def is_unexpected(error: GraphQLError) -> bool:
    # Errors before execution (parsing, variable coercion) are the caller's, not ours.
    return not is_meant(error) and error.path is not None


def unexpected(request_id: str | None, **where: Any) -> GraphQLError:
    """What a client learns of an error of ours: which request id to quote."""
    return GraphQLError(
        f"Unexpected error. Quote request id {request_id} to support.",
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        **where,
    )


def _cause(error: GraphQLError) -> BaseException | None:
    original = error.original_error
    if isinstance(original, GraphQLError):
        # A variable's coercion wraps what its scalar raised (a date Python cannot hold
        # is INVALID, schema/scalars.py) in an error of its own.
        return original.original_error
    return original


def code_of(error: GraphQLError) -> str:
    """The code an error answers with once shaped, known before ErrorShaping runs (the
    audit entry of a mutation is written in its transaction, before the response)."""
    if is_unexpected(error):
        return "INTERNAL_SERVER_ERROR"
    cause = _cause(error)
    if isinstance(cause, DomainError):
        return cause.code
    if isinstance(cause, NotAllowed):
        # The policy admits the operation, the record's owner or author refuses it.
        return "FORBIDDEN"
    return str((error.extensions or {}).get("code") or _code_of_request_error(error))


class ErrorShaping(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def _process_result(self, result: object) -> None:
        # MaskErrors asks with isinstance of a runtime Protocol, which walks the
        # protocol's attributes on every operation (issue 7).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._shape(error) for error in errors]

    def _shape(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        if is_unexpected(error):
            log.error(
                "unexpected error (request id %s) at %s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )
            return unexpected(
                request_id,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
            )
        cause = _cause(error)
        if isinstance(cause, DomainError):
            error.extensions = {"code": cause.code, "field": cause.field}
            if cause.retry_after is not None:
                error.extensions["retryAfter"] = cause.retry_after
        elif isinstance(cause, NotAllowed) or not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code_of(error)}
        return error
