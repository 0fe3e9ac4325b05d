"""Bodies, JSON and documents are bounded before they cost anything (DESIGN §5): a body
over the limit is a 413 and a JSON nest too deep a 400, both GraphQL errors in JSON; the
audit trail keeps variables cut to a bound; caches of documents are bounded in bytes."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import weakref
from typing import Any

import pytest
from graphql import parse as parse_document

from app.server import create_app
from core.settings import get_settings
from models.audit import AuditEntry
from models.enums import Role
from models.points import Purchase
from services import audit
from services.audit import MAX_VARIABLES_BYTES, TRUNCATED
from shortcuts import documents
from shortcuts.by_identity import ByIdentity
from tests.app.helpers import api_with
from tests.factories import make_member
from tests.points.helpers import RECORD, gid, staff_api
from tests.tiers.ws import Closed, GraphQLWebSocket

LOGIN = """mutation($input: StaffLoginInput!) {
  staffLogin(input: $input) { session { token } errors { code } } }"""
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _nested(depth: int) -> str:
    return "[" * (depth - 1) + "1" + "]" * (depth - 1)


async def _error(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    return error


async def test_a_body_over_the_limit_is_refused_before_it_is_read(api):
    # An anonymous login carrying an unused 10 MB variable,
    body = {"query": LOGIN, "variables": {"input": {"username": "a", "password": "b"}}}
    body["variables"]["junk"] = "x" * 10_000_000
    response = await api.client.post("/graphql", json=body)
    # is a 413 with a GraphQL error in JSON, and nothing of it reaches the audit trail.
    assert response.status_code == 413
    assert (await _error(response))["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await AuditEntry.all().count() == 0


async def test_a_body_without_a_length_is_cut_off_at_the_limit(api):
    async def chunks():
        yield b'{"query": "{ __typename }", "variables": {"junk": "'
        for _ in range(300):
            yield b"x" * 4096
        yield b'"}}'

    response = await api.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("depth", [1000, 65])
async def test_json_nested_too_deep_is_a_400_in_json(api, depth):
    body = '{"query": "{ __typename }", "variables": {"x": %s}}' % _nested(depth)
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_json_as_deep_as_inputs_need_is_answered(api):
    body = '{"query": "{ __typename }", "variables": {"x": %s}}' % _nested(60)
    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_refusals_before_graphql_are_json_errors(api):
    wrong_type = await api.client.post(
        "/graphql", content="{}", headers={"content-type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    assert (await _error(wrong_type))["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    mutation_over_get = await api.client.get(
        "/graphql", params={"query": "mutation { logout { ok } }"}
    )
    assert mutation_over_get.status_code == 405
    assert mutation_over_get.headers["allow"] == "POST"
    assert (await _error(mutation_over_get))["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_the_audit_trail_keeps_variables_cut_to_a_bound(api):
    # A login whose unused variable is large but under the body limit
    junk = "x" * 500_000
    variables = {"input": {"username": "nobody", "password": "secret-pw"}, "junk": junk}
    response = await api.client.post("/graphql", json={"query": LOGIN, "variables": variables})
    assert response.status_code == 200
    # is audited with the size and hash of the whole, its long text cut, the rest kept.
    [entry] = await AuditEntry.all()
    redacted = {"input": {"username": "nobody", "password": "[REDACTED]"}, "junk": junk}
    whole = audit._canonical(redacted).encode()
    assert entry.variables == {
        TRUNCATED: {"bytes": len(whole), "sha256": hashlib.sha256(whole).hexdigest()},
        "input": {"username": "nobody", "password": "[REDACTED]"},
        "junk": f"[CUT: {len(junk)} bytes]",
    }
    assert len(json.dumps(entry.variables)) <= MAX_VARIABLES_BYTES


def test_variables_too_many_to_cut_keep_only_their_size_and_hash():
    many = {f"v{n}": n for n in range(2000)}
    [(mark, summary)] = audit.bounded_variables(many).items()
    assert mark == TRUNCATED and set(summary) == {"bytes", "sha256"}
    small = {"input": {"orderRef": "o-1"}}
    assert audit.bounded_variables(small) is small


async def test_an_answer_over_the_size_limit_is_refused(db):
    async with api_with(max_response_bytes=300) as api:
        body = await api("{ __schema { types { name } } }")
    assert body["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert "data" not in body


async def test_an_operation_past_its_deadline_is_stopped_and_its_changes_undone(api, monkeypatch):
    # Given a purchase whose work after its first write never ends,
    async def forever(*_: Any, **__: Any) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr("services.points.earning.refresh_member_tags", forever)
    member = await make_member()
    clerk = await staff_api(api, Role.SERVICE)
    variables = {"input": {"memberId": gid(member.id), "orderRef": "slow", "amount": "9.00"}}
    # when it runs past the deadline,
    async with api_with(operation_timeout_seconds=0.2) as limited:
        body = await limited.as_(clerk.token)(RECORD, variables)
    # then it answers OPERATION_TIMEOUT, keeps nothing, and the audit trail says why.
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_TIMEOUT"
    assert not await Purchase.exists(order_ref="slow")
    [entry] = [e for e in await AuditEntry.all() if e.fields_ == ["recordPurchase"]]
    assert (entry.outcome.value, entry.error_codes) == ("ERROR", ["OPERATION_TIMEOUT"])


def test_the_parse_cache_is_bounded_in_bytes():
    cache = documents.ParsedDocuments(kept=100, kept_bytes=10_000, largest=4_000)
    texts = [f"{{ __typename }} # {n} {'x' * 3000}" for n in range(10)]
    for text in texts:
        cache.get(text, 2000)
    assert cache.size <= 10_000 and len(cache.documents) == 3
    cache.get("{ __typename } #" + "y" * 5000, 2000)  # over `largest`: not kept
    assert len(cache.documents) == 3


def test_derived_values_leave_no_finalizers_behind_when_evicted():
    cache: ByIdentity[int] = ByIdentity(kept=2)
    documents = [parse_document("{ __typename }") for _ in range(3)]
    gc.collect()
    before = len(weakref.finalize._registry)
    for n in range(3000):
        cache.get([documents[n % 3]], None, lambda: 0)
    # at most one finalizer per entry kept, however often entries were evicted and made again
    assert len(weakref.finalize._registry) - before <= 2
    documents.clear()
    gc.collect()
    assert cache.entries == {}


async def test_an_operation_name_no_database_stores_spoils_no_other_entry(api):
    # An operationName naming no operation, holding half a surrogate pair, sent while
    # other operations run: each is answered and audited, the odd name replaced.
    odd = '{"query": "query A { viewer { kind } }", "operationName": "B\\ud800"}'
    odd_request = api.client.post(
        "/graphql", content=odd, headers={"content-type": "application/json"}
    )
    others = [api.client.post("/graphql", json={"query": "{ viewer { kind } }"})]
    responses = await asyncio.gather(odd_request, *others)
    assert all(r.status_code in (200, 400) for r in responses)
    assert all("INTERNAL_SERVER_ERROR" not in r.text for r in responses)
    assert await AuditEntry.filter(operation_name="B?").count() == 1


async def test_an_operation_name_no_encoding_holds_does_not_break_metrics(api):
    odd = '{"query": "query A { viewer { kind } }", "operationName": "A\\ud800"}'
    await api.client.post("/graphql", content=odd, headers={"content-type": "application/json"})
    assert (await api.client.get("/metrics")).status_code == 200


async def test_json_too_deep_over_a_websocket_closes_it_as_any_bad_message(db):
    app = create_app(get_settings(), manage_db=False)
    async with GraphQLWebSocket(app) as socket:
        deep = "[" * 100 + "]" * 100
        await socket.to_app.put({"type": "websocket.receive", "text": deep})
        with pytest.raises(Closed) as closed:
            await socket.receive()
    assert closed.value.code == 4400
