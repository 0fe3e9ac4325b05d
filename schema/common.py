"""Types every domain shares: Node, PageInfo, UserError, OkPayload, and model-backed types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model

from schema.prefetch import TYPE_OF_MODEL

T = TypeVar("T")


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class UserError:
    field: list[str] = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "points"]; '
        "empty when not field-specific."
    )
    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. INSUFFICIENT_POINTS, NOT_ELIGIBLE, "
        "INVALID_STATE, DUPLICATE, NOT_FOUND, INVALID."
    )
    message: str
    retry_after: int | None = strawberry.field(
        default=None,
        description="Seconds to wait before trying again (RATE_LIMITED); null otherwise.",
    )


@strawberry.type
class OkPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


def model_type(model: type[Model], **options: Any) -> Callable[[type[T]], type[T]]:
    """A strawberry type whose instances are the Tortoise rows of `model` themselves.

    Plain fields then read model attributes directly (no copy, no resolver), which is
    what keeps wide lists fast (DESIGN §7).
    """

    def wrap(cls: type[T]) -> type[T]:
        def is_type_of(obj: Any, _info: Any) -> bool:
            return isinstance(obj, model | cls)

        cls.is_type_of = is_type_of  # type: ignore[attr-defined]
        TYPE_OF_MODEL[model] = options.get("name") or cls.__name__
        return strawberry.type(cls, **options)

    return wrap
