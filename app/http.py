"""GraphQL over HTTP (the current spec's rules on media types and status codes).

application/graphql-response+json is the spec's media type: requests that fail
before execution (parse, validation, variables, trust, cost) answer 400 without a
`data` key. application/json keeps the legacy behaviour older clients expect:
always 200, with `data: null` for such failures.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.types import Message, Receive

from schema.refusals import SUBSCRIPTION_OVER_HTTP

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# Deeper JSON than any input object of the schema needs (a tag rule nests a few levels):
# json.loads itself recurses, and fails past Python's recursion limit.
MAX_JSON_DEPTH = 64
# The code a refusal before any GraphQL answers with, by its status.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class Refusal(HTTPException):
    """A refusal with a code of its own, or headers the client needs to act on it."""

    code: str | None = None
    headers: dict[str, str] = {}


class MethodNotAllowed(Refusal):
    def __init__(self, reason: str, allow: str) -> None:
        super().__init__(405, reason)
        self.headers = {"Allow": allow}


class InvalidToken(Refusal):
    """A bearer token of no live session (RFC 6750 section 3.1): the client should sign
    in again, not carry on as an anonymous caller."""

    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}

    def __init__(self, reason: str) -> None:
        super().__init__(401, reason)


class SubscriptionOverHttp(Refusal):
    code = SUBSCRIPTION_OVER_HTTP

    def __init__(self) -> None:
        super().__init__(
            400,
            "Subscriptions run over the graphql-transport-ws WebSocket protocol at this "
            "URL, not over HTTP.",
        )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


def check_declared_length(headers: Any, limit: int) -> None:
    """413 before reading a body whose declared length is over `limit`."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)


def limited(receive: Receive, limit: int) -> Receive:
    """`receive` that raises BodyTooLarge once more than `limit` body bytes arrived, so a
    body sent without a length (chunked) is never read past it."""
    received = 0

    async def receive_limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_limited


def error_body(error: HTTPException) -> dict[str, Any]:
    """A refusal before GraphQL runs, as a GraphQL error (GraphQL over HTTP)."""
    code = getattr(error, "code", None) or STATUS_CODES.get(error.status_code, "BAD_REQUEST")
    return {"errors": [{"message": error.reason, "extensions": {"code": code}}]}


def decode_json(data: str | bytes) -> Any:
    """A JSON body, parameter or WebSocket message. JSON nested deeper than MAX_JSON_DEPTH
    is refused as JSON that does not parse: a 400 over HTTP, a closed socket (4400) over
    a WebSocket, never an error of ours."""
    too_deep = json.JSONDecodeError(f"JSON nests deeper than {MAX_JSON_DEPTH} levels", "", 0)
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise too_deep
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if type(item) is dict else item if type(item) is list else ()
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality the client gives media_type, and how specific the matching range was."""
    kind = media_type.split("/")[0]
    best: tuple[float, int] | None = None
    for media, quality in ranges:
        specificity = 2 if media == media_type else 1 if media == f"{kind}/*" else 0
        if media in (media_type, f"{kind}/*", "*/*") and (best is None or specificity > best[1]):
            best = (quality, specificity)
    return best or (0.0, -1)


def negotiate(accept: str | None) -> str:
    """The response media type for an Accept header; 406 if it accepts neither."""
    if not accept or not accept.strip():
        return JSON
    ranges = _media_ranges(accept)
    modern, legacy = _quality(GRAPHQL_RESPONSE_JSON, ranges), _quality(JSON, ranges)
    if max(modern[0], legacy[0]) <= 0:
        raise HTTPException(406, f"Acceptable media types are {GRAPHQL_RESPONSE_JSON} and {JSON}.")
    # An explicit request for the spec's type wins a tie; a bare wildcard gets JSON.
    return (
        GRAPHQL_RESPONSE_JSON if modern > legacy or (modern == legacy and modern[1] == 2) else JSON
    )


def check_request_content_type(content_type: str | None) -> None:
    media, *params = (piece.strip().lower() for piece in (content_type or "").split(";"))
    charset = next((p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")), "")
    if media != JSON or charset not in ("", "utf-8"):
        raise HTTPException(415, f"POST bodies must be {JSON} (UTF-8).")


def is_request_error(response: dict[str, Any]) -> bool:
    """No data and only errors without a path: the operation never ran (GraphQL spec
    "request error"), unlike a field error that nulled the whole result."""
    errors = response.get("errors") or []
    return (
        response.get("data") is None
        and bool(errors)
        and all(not error.get("path") for error in errors)
    )
