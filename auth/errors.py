"""Top-level GraphQL errors raised on purpose: each carries extensions.code and is never masked."""

from __future__ import annotations


class PublicError(Exception):
    code = "BAD_REQUEST"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code}


class Forbidden(PublicError):
    code = "FORBIDDEN"


class Unauthenticated(PublicError):
    code = "UNAUTHENTICATED"


class SessionEnded(Unauthenticated):
    """A bearer token of no live session: its caller meant to be signed in, and is told
    so rather than served as an anonymous caller."""

    def __init__(self) -> None:
        super().__init__(
            "Your session is no longer valid (it expired, was signed out or revoked): "
            "sign in again, sending no token."
        )


class BadUserInput(PublicError):
    code = "BAD_USER_INPUT"


def denial(anonymous: bool, what: str) -> PublicError:
    if anonymous:
        return Unauthenticated(f"Sign in to read {what}.")
    return Forbidden(f"Your role may not read {what}.")
