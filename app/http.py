"""GraphQL over HTTP (the current spec's rules on media types and status codes).

application/graphql-response+json is the spec's media type: requests that fail
before execution (parse, validation, variables, trust, cost) answer 400 without a
`data` key. application/json keeps the legacy behaviour older clients expect:
always 200, with `data: null` for such failures.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


class MethodNotAllowed(HTTPException):
    def __init__(self, reason: str, allow: str) -> None:
        super().__init__(405, reason)
        self.allow = allow


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
