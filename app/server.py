"""The Starlette app: /graphql (HTTP and graphql-transport-ws), GraphiQL and its pinned
assets, /healthz, /readyz, /metrics; CORS, security headers, request ids and logs."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

from app.graphiql import CONTENT_SECURITY_POLICY, STATIC_DIR, STATIC_PATH, page_html
from app.http import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    InvalidToken,
    MethodNotAllowed,
    SubscriptionOverHttp,
    check_declared_length,
    check_request_content_type,
    decode_json,
    error_body,
    is_request_error,
    limited,
    negotiate,
)
from app.metrics import METRICS, metrics_endpoint
from app.observability import RequestObserver, request_id_of
from app.security import browser_middleware
from app.served_schema import served_schema
from app.trusted_documents import manifest, requested_hash
from auth.actor import ANONYMOUS
from auth.authentication import authenticate
from auth.errors import SessionEnded
from core import collector
from core.settings import Settings, get_settings
from models.db import tortoise_config
from resolvers.context import Context
from resolvers.loaders import Loaders
from schema.errors import with_codes
from schema.refusals import unresolved_operation
from services import audit as audit_service
from services.clock import utcnow
from services.members import retrying_scrubs, watch_scrubs
from shortcuts.view import OneOperationView

log = logging.getLogger("memberhub")
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
# The operation types each method carries: subscriptions run over the WebSocket only.
_CARRIED = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def connection_token(params: Any) -> str | None:
    """The token a browser sends in graphql-transport-ws `connection_init` (it cannot set
    headers on a WebSocket): `{"Authorization": "Bearer ..."}` or `{"token": "..."}`."""
    if not isinstance(params, dict):
        return None
    header = params.get("Authorization") or params.get("authorization")
    if isinstance(header, str):
        return bearer_token({"authorization": header})
    token = params.get("token")
    return token if isinstance(token, str) and token else None


def client_ip(request: Request | WebSocket) -> str | None:
    return request.client.host if request.client else None


# strawberry's json.dumps with compact separators, its encoder built once rather than
# per response (issue 7): the same bytes.
_encode_response = json.JSONEncoder(separators=(",", ":")).encode


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, which closes a connection whose token
    names no live session with 4403 (Forbidden, as graphql-ws rejects a connection) and
    says why: strawberry's own rejection gives no reason but "Forbidden"."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except SessionEnded as ended:
            await self.websocket.close(code=4403, reason=str(ended))


class MemberhubGraphQL(OneOperationView[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            served_schema(),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings

    def encode_json(self, data: object) -> str:
        return _encode_response(data)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, limited(receive, self.settings.max_body_bytes))
        try:
            check_declared_length(request.headers, self.settings.max_body_bytes)
            response = await self.run(request)
        except HTTPException as error:
            response = self.refusal(request, error)
        await response(scope, receive, send)

    def refusal(self, request: Request, error: HTTPException) -> Response:
        """A request refused before GraphQL ran: a GraphQL error in JSON, in the media
        type the client accepts (JSON when it accepts neither)."""
        try:
            media_type = negotiate(request.headers.get("accept"))
        except HTTPException:
            media_type = JSON
        return Response(
            self.encode_json(error_body(error)),
            error.status_code,
            headers=getattr(error, "headers", None),
            media_type=media_type,
        )

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        limit = self.settings.max_response_bytes
        if len(response.body) > limit:
            log.warning(
                "response of %d bytes refused (limit %d)",
                len(response.body),
                limit,
                extra={"fields": {"event": "response.too_large", "bytes": len(response.body)}},
            )
            METRICS.errors.inc(code=RESPONSE_TOO_LARGE)
            too_large = GraphQLError(
                f"The answer would be {len(response.body)} bytes, more than the limit of "
                f"{limit}: ask for fewer fields or smaller pages.",
                extensions={"code": RESPONSE_TOO_LARGE},
            )
            return super().create_response({"errors": [too_large.formatted]}, sub_response)
        return response

    async def run(
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Any:
        # is_websocket_request is a TypeGuard, which narrows only where it holds: the IDE
        # check is given the request before the assert below says what it is.
        if self.is_websocket_request(request) or self.should_render_graphql_ide(
            self.request_adapter_class(request)  # type: ignore[arg-type]
        ):
            return await super().run(request, context, root_value)
        assert isinstance(request, Request)  # a WebSocket went to super().run above
        if request.method not in ("GET", "POST"):
            raise MethodNotAllowed("GraphQL is served over GET and POST.", allow="GET, POST")
        media_type = negotiate(request.headers.get("accept"))
        if request.method == "POST":
            check_request_content_type(request.headers.get("content-type"))
        request.state.media_type = media_type
        response = None
        if request.method == "POST" and context is UNSET and root_value is UNSET:
            response = await self.run_one_operation(request)
        if response is None:
            response = await super().run(request, context, root_value)
        if media_type == GRAPHQL_RESPONSE_JSON and response.media_type == JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if getattr(request.state, "request_error", False):
                response.status_code = 400
        return response

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """strawberry's, which checks the types of `query`, `variables` and `extensions`,
        and `operationName`'s as well: a number there reached the audit trail, which
        failed the operation with a 500."""
        data = await super().parse_http_body(request)
        for operation in data if isinstance(data, list) else [data]:
            if not isinstance(operation.operation_name, str | None):
                raise HTTPException(
                    400,
                    "The GraphQL operation's `operationName` must be a string or null, "
                    "if provided.",
                )
        return data

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(
            page_html(), headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY}
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """strawberry's, with the operation types each method carries (subscriptions
        run over the WebSocket only) and its refusals as coded GraphQL errors."""
        if request_data.query is None:
            digest = requested_hash(request_data.extensions, await _document_id(request))
            if digest is None:
                raise HTTPException(400, "The request holds no GraphQL query (`query`).")
            text = manifest(self.settings.trusted_documents_file).get(digest)
            if text is None:
                return ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "PersistedQueryNotFound",
                            extensions={"code": "PERSISTED_QUERY_NOT_FOUND"},
                        )
                    ],
                )
            request_data = replace(request_data, query=text)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=_CARRIED[request.method],
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            return ExecutionResult(data=None, errors=[unresolved_operation(error.operation_name)])
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise SubscriptionOverHttp() from error
            raise MethodNotAllowed(
                "GET runs queries only: send mutations with POST.", "POST"
            ) from error

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if response.get("errors"):
            response["errors"] = with_codes(response["errors"])  # type: ignore[arg-type,typeddict-item]
        if is_request_error(response) and not self.is_websocket_request(request):  # type: ignore[arg-type]
            request.state.request_error = True
            if request.state.media_type == GRAPHQL_RESPONSE_JSON:
                del response["data"]
        return response

    async def on_ws_connect(self, context: Context) -> Any:
        """Signs the connection in: the token of `connection_init` (browsers cannot set
        a WebSocket's headers), else the handshake's Authorization header. A token of no
        live session raises SessionEnded, which closes the socket (TransportWSHandler)."""
        token = connection_token(context.connection_params) or bearer_token(context.request.headers)
        context.actor = await authenticate(token, utcnow())
        return UNSET

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        if isinstance(request, WebSocket):
            actor = ANONYMOUS  # until connection_init, before which no operation runs
        else:
            try:
                actor = await authenticate(bearer_token(request.headers), utcnow())
            except SessionEnded as ended:
                raise InvalidToken(str(ended)) from None
        return Context(
            settings=self.settings,
            loaders=Loaders(visible_tags_only=actor.is_member),
            actor=actor,
            request=request,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            request_id=request_id_of(request.scope),
            response=response,
        )


async def _document_id(request: Request) -> Any:
    """The spec's top-level `documentId`, which strawberry's request parsing drops."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    body = json.loads(await request.body())
    return body.get("documentId") if isinstance(body, dict) else None


async def home(request: Request) -> Response:
    """The root leads to GraphiQL, which is served in every environment (DESIGN §5)."""
    return RedirectResponse(request.scope.get("root_path", "") + "/graphql", status_code=302)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # the edge: any database failure means "not ready"
        log.exception("readiness check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


def _check_trusted_documents(settings: Settings) -> None:
    if settings.trusted_documents not in ("off", "required"):
        raise ValueError("MEMBERHUB_TRUSTED_DOCUMENTS must be off or required")
    if settings.trusted_documents == "required" and not manifest(settings.trusted_documents_file):
        log.warning(
            "trusted documents are required but %s lists none: members and anonymous "
            "callers can run nothing (`memberhub trusted-documents add FILE.graphql ...`)",
            settings.trusted_documents_file,
        )


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """The ASGI app. With manage_db=False the caller has initialised Tortoise (tests)."""
    settings = settings or get_settings()
    _check_trusted_documents(settings)
    graphql = MemberhubGraphQL(settings)
    # Every scrub in the process serving /metrics counts there: a termination's, a job's
    # and the lifespan's retries alike.
    watch_scrubs(METRICS.record_scrub)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            await audit_service.ensure_head()
            collector.settle()
            # Erasures a reader kept on disk are retried while the server runs (DESIGN §2).
            async with retrying_scrubs():
                yield

    return Starlette(
        routes=[
            Route("/", home),
            Route("/graphql", graphql),  # it refuses other methods itself, in JSON
            WebSocketRoute("/graphql", graphql),
            Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
        ],
        middleware=[Middleware(RequestObserver), *browser_middleware(settings)],
        lifespan=lifespan,
    )
