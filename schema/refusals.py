"""Operations GraphQL cannot run as sent, each told by a code of its own: in the answer
(app/server.py), the audit entry and the log line alike.

strawberry raises these from inside the operation, once the extensions have begun it,
so the audit extension meets them as exceptions rather than as errors of a result.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
SUBSCRIPTION_OVER_HTTP = "SUBSCRIPTION_OVER_HTTP"


def unresolved_operation(name: str | None, *, several: bool = False) -> GraphQLError:
    """GraphQL's GetOperation failing (spec section 6.1): a request error, never the
    document's first operation run in its stead."""
    if name is not None:
        message = f'The document holds no operation named "{name}".'
    elif several:
        message = "The document holds several operations: name the one to run in operationName."
    else:
        message = "The document holds no operation to run."
    return GraphQLError(message, extensions={"code": OPERATION_RESOLUTION_FAILURE})


def refusal_code(error: BaseException) -> str | None:
    """The code of an operation strawberry refused by raising; None for other errors."""
    if isinstance(error, CannotGetOperationTypeError):
        return OPERATION_RESOLUTION_FAILURE
    if isinstance(error, InvalidOperationTypeError):
        if error.operation_type is OperationType.SUBSCRIPTION:
            return SUBSCRIPTION_OVER_HTTP
        return METHOD_NOT_ALLOWED
    return None
