"""Browser frontends: CORS and WebSocket origins from one configured list; security headers."""

import dataclasses

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.server import create_app
from core.settings import get_settings

FRONTEND = "https://console.example.com"
STRANGER = "https://evil.example.net"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
}


def app_allowing(*origins):
    return create_app(dataclasses.replace(get_settings(), allowed_origins=origins), manage_db=False)


@pytest.fixture
async def frontend_client(db):
    transport = httpx.ASGITransport(app=app_allowing(FRONTEND))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        yield http


async def test_no_origin_is_allowed_by_default(client):
    preflight = await client.options("/graphql", headers={"origin": FRONTEND, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    response = await client.post(
        "/graphql", json={"query": "{ viewer { roles } }"}, headers={"origin": FRONTEND}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_may_call_with_a_bearer_token(frontend_client):
    preflight = await frontend_client.options("/graphql", headers={"origin": FRONTEND, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = await frontend_client.post(
        "/graphql", json={"query": "{ viewer { roles } }"}, headers={"origin": FRONTEND}
    )
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    other = await frontend_client.options("/graphql", headers={"origin": STRANGER, **PREFLIGHT})
    assert "access-control-allow-origin" not in other.headers


def test_websockets_accept_the_same_origins_only():
    with TestClient(app_allowing(FRONTEND)) as client:
        with client.websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"], headers={"origin": FRONTEND}
        ) as ws:
            ws.send_json({"type": "connection_init"})
            assert ws.receive_json()["type"] == "connection_ack"
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(
                "/graphql", subprotocols=["graphql-transport-ws"], headers={"origin": STRANGER}
            ),
        ):
            pass
    with (
        TestClient(app_allowing()) as client,
        pytest.raises(WebSocketDisconnect),
        (
            client.websocket_connect(
                "/graphql", subprotocols=["graphql-transport-ws"], headers={"origin": FRONTEND}
            )
        ),
    ):
        pass


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/graphql"),
        ("GET", "/graphql"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/graphiql-static/graphiql.min.css"),
        ("GET", "/nowhere"),
        ("PUT", "/graphql"),
    ],
)
async def test_every_response_carries_security_headers(client, method, path):
    body = {"query": "{ viewer { roles } }"} if method != "GET" else None
    response = await client.request(method, path, json=body, headers={"accept": "text/html"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"]
    if path.startswith("/graphql"):
        assert response.headers["cache-control"] == "no-store"
