"""A graphql-transport-ws client that speaks ASGI to the app in the test's own event loop.

The app's database connections belong to that loop, so a client on another thread
(Starlette's TestClient) could not share them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp

from services.points import events

PROTOCOL = "graphql-transport-ws"
TIMEOUT_S = 10


class Closed(Exception):
    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"websocket closed with code {code}: {reason}")
        self.code = code
        self.reason = reason


class GraphQLWebSocket:
    def __init__(
        self, app: ASGIApp, token: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        """`token` goes in the handshake's headers, `params` in connection_init (browsers)."""
        self.app = app
        self.token = token
        self.params = params or {}
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ids = itertools.count(1)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> GraphQLWebSocket:
        headers = [(b"host", b"testserver"), (b"sec-websocket-protocol", PROTOCOL.encode())]
        if self.token:
            headers.append((b"authorization", f"Bearer {self.token}".encode()))
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("203.0.113.7", 5000),
            "server": ("testserver", 80),
            "subprotocols": [PROTOCOL],
            "state": {},
        }
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self.from_app.put))  # type: ignore[arg-type]
        await self.to_app.put({"type": "websocket.connect"})
        accepted = await self._next_event()
        assert accepted["type"] == "websocket.accept", accepted
        await self.send({"type": "connection_init", "payload": self.params})
        assert (await self.receive())["type"] == "connection_ack"
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        await asyncio.wait_for(self.task, TIMEOUT_S)

    async def send(self, message: dict[str, Any]) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self) -> dict[str, Any]:
        event = await self._next_event()
        if event["type"] == "websocket.close":
            raise Closed(event.get("code"), event.get("reason", ""))
        return json.loads(event["text"])

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        operation_id = str(next(self.ids))
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})
        return operation_id

    async def _next_event(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.from_app.get(), TIMEOUT_S)


async def subscribed(member_id: int) -> None:
    """Wait until this process streams the member's postings (the protocol has no 'ready')."""
    for _ in range(500):
        hub = events._HUBS.get(asyncio.get_running_loop())
        if hub is not None and hub.queues.get(member_id):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never started")
