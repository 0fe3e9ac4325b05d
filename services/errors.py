"""Domain errors: each carries the contract's UserError code and the input path at fault."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    code = "INVALID"
    retry_after: int | None = None  # seconds, for refusals that pass with time

    def __init__(self, message: str, field: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = list(field)


class Invalid(DomainError):
    code = "INVALID"


class InvalidState(DomainError):
    code = "INVALID_STATE"


class Duplicate(DomainError):
    code = "DUPLICATE"


class NotFound(DomainError):
    code = "NOT_FOUND"


class NotEligible(DomainError):
    code = "NOT_ELIGIBLE"


class InsufficientPoints(DomainError):
    code = "INSUFFICIENT_POINTS"


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int, field: Sequence[str] = ()) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


class NotAllowed(Exception):
    """The actor may not do this to this record (a top-level FORBIDDEN, not a UserError)."""
