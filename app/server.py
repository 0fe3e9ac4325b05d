"""The Starlette app: /graphql (HTTP and graphql-transport-ws), /healthz, /readyz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

from app.settings import Settings, get_settings
from auth.authentication import authenticate
from models.db import tortoise_config
from resolvers.loaders import Loaders
from schema.context import Context
from schema.errors import with_codes
from schema.root import build_schema
from services import audit as audit_service
from services.clock import utcnow

log = logging.getLogger("memberhub")


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_ip(request: Request | WebSocket) -> str | None:
    return request.client.host if request.client else None


class MemberhubGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.allowed_origins,
        )
        self.settings = settings

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if response.get("errors"):
            response["errors"] = with_codes(response["errors"])  # type: ignore[typeddict-item]
        return response

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        actor = await authenticate(bearer_token(request.headers), utcnow())
        return Context(
            settings=self.settings,
            loaders=Loaders(),
            actor=actor,
            request=request,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            request_id=request.headers.get("x-request-id") or Context.new_request_id(),
            response=response,
        )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # the edge: any database failure means "not ready"
        log.exception("readiness check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """The ASGI app. With manage_db=False the caller has initialised Tortoise (tests)."""
    settings = settings or get_settings()
    graphql = MemberhubGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_db:
            yield
            return
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            await audit_service.ensure_head()
            yield

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
