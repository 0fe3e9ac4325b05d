"""Browser-facing protections: CORS for configured origins and security headers on every
response (a response that sets its own header, like GraphiQL's CSP, keeps it)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.graphiql import STATIC_PATH
from core.settings import Settings

BASE_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    # API answers are data, never documents: nothing in them may load or run.
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        headers = {**BASE_HEADERS, **({"strict-transport-security": HSTS} if production else {})}
        # Encoded once; answers may carry personal data, the pinned GraphiQL assets may
        # be cached.
        self.cacheable = tuple((name.encode(), value.encode()) for name, value in headers.items())
        self.not_cacheable = (*self.cacheable, (b"cache-control", b"no-store"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self.cacheable if scope["path"].startswith(STATIC_PATH + "/") else self.not_cacheable

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                present = {name.lower() for name, _ in headers}
                message["headers"] = [
                    *headers,
                    *(header for header in ours if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def browser_middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: security headers also reach CORS preflight answers."""
    return [
        Middleware(SecurityHeaders, production=settings.production),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-Id"],
            expose_headers=["X-Request-Id"],
            max_age=600,
        ),
    ]
