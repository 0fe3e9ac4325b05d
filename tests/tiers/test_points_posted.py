"""`pointsPosted` over graphql-transport-ws: committed postings, to whom the policy allows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from app.server import create_app
from auth.policy import cell_for
from core.ids import to_global_id
from core.settings import get_settings
from models.enums import PointsEntryKind, Role
from models.staff import Session
from services.clock import utcnow
from services.points import events, post_entry
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.tiers.ws import Closed, GraphQLWebSocket, subscribed

POSTED = """subscription($memberId: ID) {
  pointsPosted(memberId: $memberId) { id kind points balanceAfter reason }
}"""
ADJUST = """mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { errors { code } }
}"""


class RolledBack(Exception):
    pass


async def _post(member_id: int, points: int, reason: str = "goodwill") -> None:
    async with in_transaction() as conn:
        await post_entry(conn, member_id, PointsEntryKind.ADJUST, points, utcnow(), reason=reason)


@pytest.fixture
def app(db: Any) -> Any:
    return create_app(get_settings(), manage_db=False)


async def test_a_member_receives_their_own_committed_postings_only(app):
    member = await make_member()
    other = await make_member()
    async with GraphQLWebSocket(app, await member_token(member.id)) as ws:
        operation = await ws.subscribe(POSTED)
        await subscribed(member.id)
        await _post(other.id, 70)
        with pytest.raises(RolledBack):
            async with in_transaction() as conn:
                await post_entry(conn, member.id, PointsEntryKind.ADJUST, 999, utcnow())
                raise RolledBack
        await _post(member.id, 40)
        await _post(member.id, -15, reason="gift")
        first, second = await ws.receive(), await ws.receive()
        assert (first["id"], first["type"]) == (operation, "next")
        assert first["payload"]["data"]["pointsPosted"] | {"id": None} == {
            "id": None,
            "kind": "ADJUST",
            "points": 40,
            "balanceAfter": 40,
            "reason": "goodwill",
        }
        assert second["payload"]["data"]["pointsPosted"]["balanceAfter"] == 25
        await ws.send({"id": operation, "type": "complete"})
    hub = events._HUBS[asyncio.get_running_loop()]
    assert hub.queues == {} and hub.listener is None


async def test_staff_who_read_ledgers_follow_any_member(app, api):
    member = await make_member()
    admin = api.as_(await staff_token(Role.ADMIN))
    async with GraphQLWebSocket(app, await staff_token(Role.SERVICE)) as ws:
        await ws.subscribe(POSTED, {"memberId": to_global_id("Member", member.id)})
        await subscribed(member.id)
        adjust = {
            "memberId": to_global_id("Member", member.id),
            "points": 120,
            "reason": "Store opening",
            "idempotencyKey": "opening-1",
        }
        assert (await admin(ADJUST, {"input": adjust}))["data"]["adjustPoints"]["errors"] == []
        posted = (await ws.receive())["payload"]["data"]["pointsPosted"]
        assert (posted["kind"], posted["points"], posted["balanceAfter"]) == ("ADJUST", 120, 120)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_the_policy_decides_who_follows_a_members_postings(app, role):
    member = await make_member()
    token = await (member_token(member.id) if role is Role.MEMBER else staff_token(role))
    cell = cell_for(("Subscription", "pointsPosted"), [role])
    async with GraphQLWebSocket(app, token) as ws:
        await ws.subscribe(POSTED, {"memberId": to_global_id("Member", member.id)})
        if not cell.allowed:
            refusal = await ws.receive()
            assert refusal["type"] == "error", refusal
            assert [e["extensions"]["code"] for e in refusal["payload"]] == ["FORBIDDEN"]
            return
        await subscribed(member.id)
        await _post(member.id, 10)
        assert (await ws.receive())["payload"]["data"]["pointsPosted"]["points"] == 10


async def _refusal(app: Any, token: str | None, variables: dict[str, Any]) -> set[str]:
    async with GraphQLWebSocket(app, token) as ws:
        await ws.subscribe(POSTED, variables)
        message = await ws.receive()
    assert message["type"] == "error", message
    return {error["extensions"]["code"] for error in message["payload"]}


async def test_refusals_before_the_stream_starts(app):
    member = await make_member()
    other_id = {"memberId": to_global_id("Member", (await make_member()).id)}
    assert await _refusal(app, None, {}) == {"UNAUTHENTICATED"}
    assert await _refusal(app, await member_token(member.id), other_id) == {"FORBIDDEN"}
    assert await _refusal(app, await staff_token(Role.OPERATIONS), {}) == {"INVALID"}
    assert await _refusal(app, await staff_token(Role.ADMIN), {"memberId": "bad"}) == {"INVALID"}


async def test_a_lost_feed_ends_the_stream_with_an_error(app):
    client = connections.get("default")
    if client.capabilities.dialect != "postgres":
        pytest.skip("only PostgreSQL feeds postings through a separate connection")
    member = await make_member()
    async with GraphQLWebSocket(app, await member_token(member.id)) as ws:
        await ws.subscribe(POSTED)
        await subscribed(member.id)
        await client.execute_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query = $1",
            [f'LISTEN "{events.CHANNEL}"'],
        )
        message = await ws.receive()
    assert message["type"] == "next", message
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == [
        "SERVICE_UNAVAILABLE"
    ]
    # The next subscriber gets a fresh feed.
    async with GraphQLWebSocket(app, await member_token(member.id)) as ws:
        await ws.subscribe(POSTED)
        await subscribed(member.id)
        await _post(member.id, 5)
        assert (await ws.receive())["payload"]["data"]["pointsPosted"]["points"] == 5


async def test_a_reused_entry_id_never_shows_another_members_entry_or_one_twice(app):
    # Given a subscriber, and ids announced to it that SQLite could reuse after a rollback:
    member = await make_member()
    other = await make_member()
    async with GraphQLWebSocket(app, await member_token(member.id)) as ws:
        await ws.subscribe(POSTED)
        await subscribed(member.id)
        async with in_transaction() as conn:
            foreign = await post_entry(conn, other.id, PointsEntryKind.ADJUST, 9, utcnow())
        hub = events._HUBS[asyncio.get_running_loop()]
        # When another member's id and then a duplicate of this member's id are announced,
        hub.publish(member.id, foreign.id)
        await _post(member.id, 30)
        own = await ws.receive()
        hub.publish(member.id, foreign.id + 1)
        await _post(member.id, 4)
        # then the stream carries each of this member's entries once, and nothing else.
        assert own["payload"]["data"]["pointsPosted"]["points"] == 30
        assert (await ws.receive())["payload"]["data"]["pointsPosted"]["points"] == 4


async def test_the_stream_ends_when_its_session_does(app, api):
    member = await make_member()
    token = await member_token(member.id)
    async with GraphQLWebSocket(app, token) as ws:
        await ws.subscribe(POSTED)
        await subscribed(member.id)
        assert (await api("mutation { logout { ok } }", token=token))["data"]["logout"]["ok"]
        await _post(member.id, 10)
        ended = await ws.receive()
    assert ended["payload"]["data"] is None
    assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == ["UNAUTHENTICATED"]


async def test_browsers_sign_in_with_the_connection_init_payload(app):
    # Given a browser, which cannot set headers on a WebSocket, when it sends its token in
    # connection_init, then its subscription runs as that member.
    member = await make_member()
    params = {"Authorization": f"Bearer {await member_token(member.id)}"}
    async with GraphQLWebSocket(app, params=params) as ws:
        await ws.subscribe(POSTED)
        await subscribed(member.id)
        await _post(member.id, 30)
        posted = (await ws.receive())["payload"]["data"]["pointsPosted"]
        assert (posted["points"], posted["balanceAfter"]) == (30, 30)


@pytest.mark.parametrize("where", ["connection_init", "handshake"])
async def test_a_token_of_no_live_session_closes_the_socket_saying_why(app, where):
    # Given a token that names no session, or one that was revoked, in either place a
    # client may send it, then connection_init is refused as graphql-ws refuses one
    # (4403), with a reason that tells the user to sign in again.
    member = await make_member()
    revoked = await member_token(member.id)
    await Session.all().update(revoked_at=utcnow())
    for token in ("not-a-session", revoked):
        sent = {"params": {"token": token}} if where == "connection_init" else {"token": token}
        with pytest.raises(Closed) as closed:
            async with GraphQLWebSocket(app, **sent):
                pass
        assert closed.value.code == 4403
        assert "session is no longer valid" in closed.value.reason
