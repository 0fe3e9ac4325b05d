import dataclasses

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.server import create_app
from core.settings import get_settings
from models.enums import Role
from tests.conftest import Api, staff_token

INTROSPECT = "{ __schema { queryType { name } } }"


@pytest.fixture
def staff_only_api(db):
    settings = dataclasses.replace(get_settings(), env="production", introspection="staff")
    app = create_app(settings, manage_db=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    return Api(client)


async def test_production_answers_introspection_for_signed_in_staff_only(staff_only_api):
    anonymous = await staff_only_api(INTROSPECT)
    assert anonymous.get("data") is None
    assert anonymous["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    staff = await staff_only_api(INTROSPECT, token=await staff_token(Role.AUDITOR))
    assert staff["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_off_refuses_everyone(db):
    settings = dataclasses.replace(get_settings(), introspection="off")
    app = create_app(settings, manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        api = Api(c, await staff_token(Role.ADMIN))
        assert (await api(INTROSPECT)).get("data") is None


def test_websocket_speaks_graphql_transport_ws_only():
    app = create_app(get_settings(), manage_db=False)
    with TestClient(app) as client:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 4406
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init"})
            assert ws.receive_json()["type"] == "connection_ack"
