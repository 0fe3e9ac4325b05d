"""Types every domain shares: Node, PageInfo, UserError, OkPayload, and model-backed types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model

from shortcuts import serve_model

T = TypeVar("T")


@strawberry.interface(
    description="A record with a global ID, which Query.node fetches whatever its type."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global ID: opaque, stable, unique across all types. Pass it back as is."
    )


@strawberry.type(description="Where a page lies in its list (Relay cursor pagination).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow: ask again with after: endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="True when this page does not start at the beginning of the list."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of the page; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of the page, the `after` of the next page; null "
        "for an empty page."
    )


@strawberry.type(
    description="Why a mutation did not do what it was asked: it changed nothing. Errors "
    "of the request itself (a denied field, a malformed query) come as GraphQL errors instead."
)
class UserError:
    field: list[str] = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "points"]; '
        "empty when not field-specific."
    )
    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. INSUFFICIENT_POINTS, NOT_ELIGIBLE, "
        "INVALID_STATE, DUPLICATE, NOT_FOUND, INVALID."
    )
    message: str = strawberry.field(
        description="What went wrong, in English, for a person; may change between versions "
        "(match on code, not on message)."
    )
    retry_after: int | None = strawberry.field(
        default=None,
        description="Seconds to wait before trying again (RATE_LIMITED); null otherwise.",
    )


ERRORS = (
    "Why the mutation was refused: empty on success. When not empty nothing was changed. "
    "The codes each mutation may answer with are listed in its description."
)


def errors_field() -> Any:
    """The `errors` field of a mutation payload."""
    return strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Result of a mutation that returns no record.")
class OkPayload:
    ok: bool = strawberry.field(default=False, description="True when the mutation succeeded.")
    errors: list[UserError] = errors_field()


def model_type(model: type[Model], **options: Any) -> Callable[[type[T]], type[T]]:
    """A strawberry type whose instances are the Tortoise rows of `model` themselves.

    Plain fields then read model attributes directly (no copy, no resolver), which is
    what keeps wide lists fast (DESIGN §7).
    """

    def wrap(cls: type[T]) -> type[T]:
        def is_type_of(obj: Any, _info: Any) -> bool:
            return isinstance(obj, model | cls)

        cls.is_type_of = is_type_of  # type: ignore[attr-defined]
        serve_model(model, options.get("name") or cls.__name__)
        return strawberry.type(cls, **options)

    return wrap
