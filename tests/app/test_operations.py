"""Operations: JSON logs, /metrics, online SQLite backup, graceful shutdown."""

import argparse
import asyncio
import json
import logging
import os
import re
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from app import server as server_module
from app.cli import uvicorn_options
from app.logs import JsonFormatter
from app.server import create_app
from core.settings import get_settings
from models.enums import PointsEntryKind, Role
from models.staff import StaffUser
from services.clock import utcnow
from services.points import post_entry
from tests.app.helpers import live_server
from tests.conftest import (
    TEST_PASSWORD,
    database_url_for,
    make_staff,
    member_token,
    staff_token,
)
from tests.factories import make_member
from tests.processes import record_migrations
from tests.tiers.ws import GraphQLWebSocket, subscribed

LOGIN = """mutation StaffLogin($username: String!, $password: String!) {
  staffLogin(input: {username: $username, password: $password}) {
    session { token }
    errors { code }
  }
}"""


async def test_a_request_logs_one_json_line_with_its_operation_and_no_variables(api, caplog):
    alice = await make_staff(Role.SERVICE, "alice")
    with caplog.at_level(logging.INFO, logger="memberhub"):
        await api.client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"username": "alice", "password": TEST_PASSWORD}},
            headers={"x-request-id": "req-42"},
        )
    [record] = [r for r in caplog.records if r.name.startswith("memberhub")]
    assert record.name == "memberhub.http"
    fields = record.fields
    assert fields["request_id"] == "req-42"
    assert fields["status"] == 200 and fields["path"] == "/graphql"
    assert fields["operation"] == "StaffLogin"
    assert fields["operation_type"] == "mutation"
    assert fields["actor"] == f"staff:{alice.id}"  # signed in by this very operation
    assert fields["outcome"] == "OK"
    assert fields["duration_ms"] >= fields["operation_ms"] > 0
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["level"] == "INFO"
    assert line["message"] == "POST /graphql 200 mutation StaffLogin OK"
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert TEST_PASSWORD not in logged and "alice" not in logged


async def test_logs_name_the_signed_in_actor_and_failures(api, caplog):
    token = await staff_token(Role.MARKETING)
    with caplog.at_level(logging.INFO, logger="memberhub.http"):
        await api.as_(token)("query Audit { auditLog(first: 1) { totalCount } }")
    [record] = [r for r in caplog.records if r.name == "memberhub.http"]
    assert record.fields["actor"].startswith("staff:")
    assert record.fields["outcome"] == "DENIED"
    assert "FORBIDDEN" in record.fields["error_codes"]


async def test_a_websocket_logs_each_operation_on_a_line_of_its_own(db, caplog):
    app = create_app(get_settings(), manage_db=False)
    token = await staff_token(Role.ADMIN)
    with caplog.at_level(logging.INFO, logger="memberhub"):
        async with GraphQLWebSocket(app, token) as ws:
            await ws.subscribe("query Viewer { viewer { roles } }")
            assert (await ws.receive())["payload"]["data"]["viewer"]["roles"] == ["ADMIN"]
    [operation] = [r for r in caplog.records if r.name == "memberhub.operations"]
    assert operation.fields["event"] == "graphql.operation"
    assert operation.fields["operation"] == "Viewer"
    assert operation.fields["outcome"] == "OK" and operation.fields["operation_ms"] > 0
    [socket] = [r for r in caplog.records if r.name == "memberhub.http"]
    assert socket.fields["method"] == "WEBSOCKET" and "operation" not in socket.fields


def metric(text, name, **labels):
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_operations_latency_and_errors(api, client):
    before = (await client.get("/metrics")).text
    await api("query MetricsProbe { viewer { roles } }")
    await api("query MetricsProbe { viewer { roles } }")
    await api("{ noSuchField }")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    ops = {"operation": "MetricsProbe", "outcome": "OK", "type": "query"}
    name = "memberhub_graphql_operations_total"
    assert metric(text, name, **ops) - metric(before, name, **ops) == 2
    latency = "memberhub_graphql_operation_duration_seconds"
    assert metric(text, f"{latency}_count", operation="MetricsProbe") >= 2
    assert metric(text, f"{latency}_bucket", operation="MetricsProbe", le="+Inf") >= 2
    errors = "memberhub_graphql_errors_total"
    code = {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert metric(text, errors, **code) - metric(before, errors, **code) == 1
    http = {"method": "POST", "path": "/graphql", "status": "200"}  # labels sort by name
    assert metric(text, "memberhub_http_requests_total", **http) >= 3
    assert "# TYPE memberhub_graphql_operation_duration_seconds histogram" in text


async def _operation_lines(caplog, names):
    """The operation log lines by operation name, once lines for all of `names` are in."""
    for _ in range(1000):
        lines = {
            r.fields["operation"]: r.fields
            for r in caplog.records
            if r.name == "memberhub.operations"
        }
        if names <= lines.keys():
            return lines
        await asyncio.sleep(0.01)
    raise AssertionError(f"no log line for {names - lines.keys()}")


async def test_each_subscription_over_a_websocket_has_its_log_line_and_metrics(db, client, caplog):
    # Given a member following their postings over graphql-transport-ws, and one
    # subscription refused for its argument
    app = create_app(get_settings(), manage_db=False)
    member = await make_member()
    ops = {"operation": "LivePoints", "outcome": "OK", "type": "subscription"}
    refused = {"operation": "BadPoints", "outcome": "ERROR", "type": "subscription"}
    total = "memberhub_graphql_operations_total"
    before = (await client.get("/metrics")).text
    with caplog.at_level(logging.INFO, logger="memberhub"):
        async with GraphQLWebSocket(app, await member_token(member.id)) as ws:
            live = await ws.subscribe("subscription LivePoints { pointsPosted { points } }")
            await subscribed(member.id)
            async with in_transaction() as conn:
                await post_entry(conn, member.id, PointsEntryKind.ADJUST, 40, utcnow())
            assert (await ws.receive())["payload"]["data"]["pointsPosted"]["points"] == 40
            await ws.send({"id": live, "type": "complete"})
            await ws.subscribe('subscription BadPoints { pointsPosted(memberId: "x") { points } }')
            assert (await ws.receive())["type"] == "error"
            # then each operation logs a line of its own as it ends (a completed stream
            # ends once its task is done, after the socket has moved on)
            lines = await _operation_lines(caplog, {"LivePoints", "BadPoints"})
    # and is counted
    assert lines["LivePoints"]["operation_type"] == "subscription"
    assert lines["LivePoints"]["outcome"] == "OK"
    assert lines["LivePoints"]["actor"] == f"member:{member.id}"
    assert lines["BadPoints"]["outcome"] == "ERROR" and lines["BadPoints"]["error_codes"] == [
        "INVALID"
    ]
    text = (await client.get("/metrics")).text
    assert metric(text, total, **ops) - metric(before, total, **ops) == 1
    assert metric(text, total, **refused) - metric(before, total, **refused) == 1
    latency = "memberhub_graphql_operation_duration_seconds_count"
    assert (
        metric(text, latency, operation="LivePoints")
        - metric(before, latency, operation="LivePoints")
        == 1
    )


async def test_backup_copies_a_consistent_snapshot_while_a_write_is_open(db, tmp_path):
    url = database_url_for(tmp_path)
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL is backed up with pg_dump")
    await record_migrations()
    await make_staff(Role.ADMIN, "committed")
    target = tmp_path / "backup.db"
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": url}
    async with in_transaction():
        await StaffUser.create(
            username="uncommitted",
            display_name="x",
            password_hash="x",
            roles=[],
            created_at=((await StaffUser.get(username="committed")).created_at),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "backup",
            str(target),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "backed up" in out.decode() and "verified" in out.decode()
    copy = sqlite3.connect(target)
    try:
        names = {row[0] for row in copy.execute("SELECT username FROM staff_user")}
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()
    assert names == {"committed"}
    assert not Path(f"{target}.partial").exists()


async def test_backup_refuses_postgresql_and_names_pg_dump(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "backup",
        str(tmp_path / "x.db"),
        env={**os.environ, "MEMBERHUB_DATABASE_URL": "postgres://u:p@127.0.0.1:1/db"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 1 and "pg_dump" in err.decode()


async def test_shutdown_finishes_requests_in_flight(db, monkeypatch):
    slow_started = asyncio.Event()
    authenticate = server_module.authenticate

    async def slow_authenticate(*args):
        slow_started.set()
        await asyncio.sleep(0.5)
        return await authenticate(*args)

    monkeypatch.setattr(server_module, "authenticate", slow_authenticate)
    args = argparse.Namespace(host="127.0.0.1", port=0, workers=1)
    options = {**uvicorn_options(args), "log_config": None}
    assert options["timeout_graceful_shutdown"] >= 10
    app = create_app(get_settings(), manage_db=False)
    async with live_server(app, **options) as server, httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{server.port}/graphql"
        in_flight = asyncio.create_task(http.post(url, json={"query": "{ viewer { roles } }"}))
        await slow_started.wait()
        server.should_exit = True  # what uvicorn's SIGTERM handler does
        response = await in_flight
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"roles": []}}}


async def test_metrics_show_the_write_ahead_log_and_the_last_checkpoint(db, client):
    checkpointer = getattr(connections.get("default"), "checkpointer", None)
    if checkpointer is None:
        pytest.skip("the write-ahead log is SQLite's")
    await asyncio.get_running_loop().run_in_executor(None, checkpointer.checkpoint)

    text = (await client.get("/metrics")).text

    assert "# TYPE memberhub_sqlite_wal_bytes gauge" in text
    assert metric(text, "memberhub_sqlite_wal_bytes") == checkpointer.wal_size()
    last = "memberhub_sqlite_last_checkpoint_timestamp_seconds"
    mode, outcome, at = checkpointer.last
    assert metric(text, last, mode=mode, outcome=outcome) == pytest.approx(at)
