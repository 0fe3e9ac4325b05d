"""The one place a DomainError becomes a payload's `errors` (STYLE §2)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import strawberry

from schema.common import UserError
from services.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")

# Where a mutation field keeps the codes its payload's `errors` may carry (metadata).
ERROR_CODES = "error_codes"


def user_errors(
    payload: Callable[..., R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Turn a DomainError raised by the resolver into `payload(errors=[UserError])`."""

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                info: Any = kwargs.get("info")
                return refused(payload, error, info.context if info is not None else None)

        # Inputs refused before the resolver runs answer the same way (schema/inputs.py).
        wrapper.user_error_payload = payload  # type: ignore[attr-defined]
        return wrapper

    return decorate


def user_error_payload(resolver: Callable[..., Any]) -> Callable[..., Any] | None:
    """The payload a resolver made by `user_errors` answers a DomainError with, if it is one."""
    return getattr(resolver, "user_error_payload", None)


def refused(payload: Callable[..., R], error: DomainError, context: Any) -> R:
    """`payload(errors=[UserError])` for `error`, noted in the request's audit entry."""
    if context is not None:
        context.audit.user_error(error.code)
    return payload(
        errors=[
            UserError(
                field=error.field,
                code=error.code,
                message=error.message,
                retry_after=error.retry_after,
            )
        ]
    )


def mutation(
    resolver: Callable[..., Any], description: str, errors: Sequence[type[DomainError]] = ()
) -> Any:
    """A root mutation field whose description ends with the codes its `errors` may carry,
    named by the DomainError classes the services raise (declared here, once)."""
    codes = tuple(dict.fromkeys(error.code for error in errors))
    description += "\n\n`errors` codes: " + (", ".join(codes) or "none, it is always empty") + "."
    return strawberry.mutation(
        resolver=resolver, description=description, metadata={ERROR_CODES: codes}
    )
