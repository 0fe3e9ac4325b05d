"""Request ids, JSON logs and metrics: one log line per HTTP request, carrying the
GraphQL operation it ran, and one per operation over a WebSocket. Variables are never
logged (they may hold personal data); the audit trail keeps their redacted form."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.graphiql import STATIC_PATH
from app.metrics import METRICS
from schema.auditing import codes_and_outcome
from shortcuts.documents import find_operation, operation_name

http_log = logging.getLogger("memberhub.http")
operation_log = logging.getLogger("memberhub.operations")

REQUEST_ID_HEADER = "x-request-id"
_HEADER_NAME = REQUEST_ID_HEADER.encode()  # as ASGI gives header names: lower case
# Client-chosen ids are echoed and logged: accept only short, plain tokens.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
KNOWN_PATHS = frozenset({"/", "/graphql", "/healthz", "/readyz", "/metrics"})


def request_id_of(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        given = next(
            (value for name, value in scope.get("headers") or () if name == _HEADER_NAME), b""
        ).decode("latin-1")
        state["request_id"] = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return str(state["request_id"])


def path_label(path: str) -> str:
    if path in KNOWN_PATHS:
        return path
    return STATIC_PATH if path.startswith(STATIC_PATH + "/") else "other"


class RequestObserver:
    """Gives every request an id (echoed as X-Request-Id), counts and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        operations: list[LoggedOperation] = []
        if scope["type"] == "http":  # a WebSocket's operations each log a line as they end
            scope["state"][_OPERATIONS] = operations
        started = time.perf_counter()
        status = 500 if scope["type"] == "http" else 101

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            duration = time.perf_counter() - started
            path = path_label(scope["path"])
            method = scope.get("method", "WEBSOCKET")
            METRICS.http_requests.inc(method=method, path=path, status=str(status))
            fields = {
                "event": "http.request",
                "request_id": request_id,
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
            }
            message = f"{method} {path} {status}"
            if len(operations) == 1:
                # A line costs about as much as a small resolver (issue 7): the one
                # operation an HTTP request ran is told in the request's own line.
                ran = operations.pop()
                fields.update(ran.fields)
                message = f"{message} {ran.message}"
            http_log.info("%s", message, extra={"fields": fields})
            for ran in operations:
                ran.log()


# Where an HTTP request's state keeps the operations it ran, for its log line.
_OPERATIONS = "operations_to_log"


@dataclass(frozen=True)
class LoggedOperation:
    message: str
    fields: dict[str, Any]

    def log(self) -> None:
        operation_log.info(
            "%s", self.message, extra={"fields": {"event": "graphql.operation", **self.fields}}
        )


class OperationObserver(SchemaExtension):
    """The metrics of each GraphQL operation, and what its log line says: in the line of
    the HTTP request that ran it, or a line of its own over a WebSocket."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:  # an operation that failed outside its result is counted too
            self._record(time.perf_counter() - started)

    def _record(self, duration: float) -> None:
        ctx = self.execution_context
        context: Any = ctx.context
        codes, outcome = codes_and_outcome(ctx)
        name = operation_name(ctx)
        operation = METRICS.operation_label(name)
        found = find_operation(ctx)
        # "unknown": the document did not parse or names no single operation
        op_type = found.operation.value if found is not None else "unknown"
        METRICS.operations.inc(operation=operation, type=op_type, outcome=outcome.value)
        METRICS.latency.observe(duration, operation=operation)
        for code in codes:
            METRICS.errors.inc(code=code)
        logged = LoggedOperation(
            f"{op_type} {name or 'anonymous'} {outcome.value}",
            {
                "request_id": context.request_id,
                "operation": name,
                "operation_type": op_type,
                "actor": context.actor.actor_id,
                "actor_type": context.actor.kind,
                "operation_ms": round(duration * 1000, 2),
                "outcome": outcome.value,
                "error_codes": sorted(set(codes)),
            },
        )
        request_state = getattr(context.request, "scope", {}).get("state", {})
        if _OPERATIONS in request_state:  # told in its HTTP request's line
            request_state[_OPERATIONS].append(logged)
        else:
            logged.log()
