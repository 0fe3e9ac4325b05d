"""Real servers for the delivery tests: a Starlette receiver (uvicorn in a thread) that
verifies every gateway POST with the standardwebhooks package, and an aiosmtpd SMTP
server; and the deliverer the worker runs, routed to them."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.settings import Settings, get_settings
from models.enums import ContactChannel
from services.delivery.message import Send
from services.delivery.sending import Deliverer, routes
from tests.processes import ROOT, database_url, free_port, record_migrations

SECRET = "whsec_" + base64.b64encode(b"memberhub-test-gateway-secret-32").decode()
# The receiver's answer that never comes: it waits until the server stops.
HANG = 0


@dataclass
class Receiver:
    """What the gateway receiver got (verified), and the statuses it answers in turn
    (then 200)."""

    url: str
    secret: str = SECRET
    answers: list[int] = field(default_factory=list)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.rejected += 1
            return Response(status_code=401)
        self.received.append((request.headers["webhook-id"], json.loads(body)))
        self.arrived.set()
        answer = self.answers.pop(0) if self.answers else 200
        if answer == HANG:
            await asyncio.sleep(3600)
        return Response(status_code=answer)


@contextmanager
def receiver(secret: str = SECRET) -> Iterator[Receiver]:
    """A receiver verifying signatures made with `secret` (the gateway's by default)."""
    port = free_port()
    got = Receiver(f"http://127.0.0.1:{port}/messages", secret)
    app = Starlette(routes=[Route("/messages", got.endpoint, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    try:
        yield got
    finally:
        server.should_exit = True
        thread.join()


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)
    # The reply to each RCPT in turn, then 250 (None: accept).
    refusals: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """An aiosmtpd server and the MEMBERHUB_SMTP_URL naming it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    """The test settings, the sink in the test's folder, with `changes`."""
    return replace(get_settings(), delivery_sink=str(tmp_path / "sink.jsonl"), **changes)


def deliverer(settings: Settings, client: httpx.AsyncClient, **routed: Send) -> Deliverer:
    """The deliverer the worker runs with `settings`, channels named in `routed` (by
    name: SMS=...) sent there instead."""
    return Deliverer(
        {
            **routes(settings, client),
            **{ContactChannel[name]: send for name, send in routed.items()},
        },
        settings,
    )


def sink_lines(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "sink.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def worker_process(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    """A `memberhub worker` process on the test's database, the sink in `tmp_path`."""
    await record_migrations()
    settings = {
        "MEMBERHUB_DATABASE_URL": database_url(),
        "MEMBERHUB_DELIVERY_SINK": str(tmp_path / "sink.jsonl"),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env={**os.environ, **settings},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
