"""memberhub as app developers use it: the `gql` client, its HTTP transport validating
documents against the schema, and its graphql-transport-ws transport for pointsPosted."""

import asyncio

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from graphql import GraphQLError

from app.served_schema import served_schema
from app.server import create_app
from app.trusted_documents import add_documents
from core.settings import get_settings
from models.enums import Role
from tests.app.helpers import app_with, live_server
from tests.conftest import TEST_PASSWORD, make_staff, member_token
from tests.factories import make_member
from tests.shared import shared_path
from tests.tiers.ws import subscribed

CLIENTS = shared_path("clients")
CONTRACT = shared_path("contract", "schema.graphql").read_text(encoding="utf-8")


def operation(path):
    return gql((CLIENTS / path).read_text(encoding="utf-8"))


def http_client(app, token=None, **client_options):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = HTTPXAsyncTransport(
        url="http://testserver/graphql", headers=headers, transport=httpx.ASGITransport(app=app)
    )
    return Client(transport=transport, **client_options)


@pytest.fixture
def app(db):
    return create_app(get_settings(), manage_db=False)


async def test_staff_console_signs_in_and_queries_with_introspected_schema(app):
    await make_staff(Role.ADMIN, "console")
    async with http_client(app, fetch_schema_from_transport=True) as session:
        login = await session.execute(
            GraphQLRequest(
                operation("console/StaffLogin.graphql"),
                variable_values={"username": "console", "password": TEST_PASSWORD},
            )
        )
    session_data = login["staffLogin"]["session"]
    assert login["staffLogin"]["errors"] == [] and session_data["viewer"]["roles"] == ["ADMIN"]
    async with http_client(app, session_data["token"], schema=CONTRACT) as session:
        viewer = await session.execute(gql("query Me { viewer { roles staff { displayName } } }"))
    assert viewer["viewer"]["staff"]["displayName"] == "Test console"


async def test_documents_are_validated_against_the_schema_before_sending(app):
    async with http_client(app, schema=CONTRACT) as session:
        with pytest.raises(GraphQLError, match="noSuchField"):
            await session.execute(gql("query Bad { viewer { noSuchField } }"))


async def test_server_errors_reach_gql_as_query_errors(app):
    async with http_client(app) as session:
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(gql("query Audit { auditLog(first: 1) { totalCount } }"))
    assert refused.value.errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")


async def test_mobile_app_runs_its_trusted_documents(db, tmp_path):
    manifest = tmp_path / "trusted.json"
    add_documents(manifest, [CLIENTS / "mobile/MemberLogin.graphql"], served_schema()._schema)
    app = app_with(trusted_documents="required", trusted_documents_file=str(manifest))
    async with http_client(app, schema=CONTRACT) as session:
        login = await session.execute(
            GraphQLRequest(
                operation("mobile/MemberLogin.graphql"),
                variable_values={"identifier": "nobody", "password": "wrong-password"},
            )
        )
        assert login["memberLogin"]["session"] is None
        assert login["memberLogin"]["errors"]
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(gql("query Tiers { tiers { code } }"))
    assert refused.value.errors[0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"


async def _member_socket(port: int, member_id: int) -> WebsocketsTransport:
    """The member app's graphql-transport-ws connection, signed in as the member."""
    return WebsocketsTransport(
        url=f"ws://127.0.0.1:{port}/graphql",
        headers={"Authorization": f"Bearer {await member_token(member_id)}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )


async def test_member_app_receives_points_posted_over_graphql_transport_ws(app):
    member = await make_member()
    async with live_server(app) as server:
        transport = await _member_socket(server.port, member.id)
        async with Client(transport=transport, schema=CONTRACT) as ws:

            async def first_posting():
                async for result in ws.subscribe(operation("mobile/PointsPosted.graphql")):
                    return result["pointsPosted"]

            received = asyncio.create_task(first_posting())
            await subscribed(member.id)
            await _adjust(server.port, member)
            posting = await asyncio.wait_for(received, 10)
    assert posting["kind"] == "ADJUST" and posting["points"] == 25
    assert posting["balanceAfter"] == 25


async def _adjust(port, member):
    from core.ids import to_global_id
    from tests.conftest import staff_token

    token = await staff_token(Role.OPERATIONS, "operator")
    transport = HTTPXAsyncTransport(
        url=f"http://127.0.0.1:{port}/graphql", headers={"Authorization": f"Bearer {token}"}
    )
    async with Client(transport=transport, schema=CONTRACT) as session:
        result = await session.execute(
            GraphQLRequest(
                operation("console/AdjustPoints.graphql"),
                variable_values={
                    "input": {
                        "memberId": to_global_id("Member", member.id),
                        "points": 25,
                        "reason": "welcome gift",
                        "idempotencyKey": "gql-test-1",
                    }
                },
            )
        )
    assert result["adjustPoints"]["errors"] == [], result


async def test_required_trusted_documents_also_guard_subscriptions(db, tmp_path):
    member = await make_member()
    manifest = tmp_path / "trusted.json"
    add_documents(manifest, [CLIENTS / "mobile/PointsPosted.graphql"], served_schema()._schema)
    app = app_with(trusted_documents="required", trusted_documents_file=str(manifest))
    async with live_server(app) as server:
        transport = await _member_socket(server.port, member.id)
        async with Client(transport=transport, schema=CONTRACT) as ws:
            with pytest.raises(TransportQueryError) as refused:
                async for _ in ws.subscribe(gql("subscription { pointsPosted { id points } }")):
                    pass
            listed = ws.subscribe(operation("mobile/PointsPosted.graphql"))
            received = asyncio.create_task(anext(listed))
            await subscribed(member.id)
            await _adjust(server.port, member)
            assert (await asyncio.wait_for(received, 10))["pointsPosted"]["points"] == 25
            await listed.aclose()
    assert refused.value.errors[0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
