"""Requests /graphql refuses: each answered with a coded GraphQL error in JSON, in the media
type the client accepts and with the status GraphQL over HTTP gives, and audited as refused."""

import logging
from datetime import timedelta

import pytest

from models.audit import AuditEntry
from models.enums import Role
from models.staff import Session
from services.clock import utcnow
from tests.conftest import staff_token

MODERN = "application/graphql-response+json"
LEGACY = "application/json"
# What GraphiQL's fetcher sends.
GRAPHIQL = "application/graphql-response+json, application/json, multipart/mixed"
JSON_BODY = {"content-type": "application/json"}


def _refused(response, accept, status, code):
    """The answer is `status` with one coded error in JSON of the media type `accept` asks."""
    assert response.status_code == status, response.text
    media_type = LEGACY if accept == LEGACY else MODERN
    assert response.headers["content-type"].split(";")[0] == media_type
    body = response.json()
    [error] = body["errors"]
    assert error["message"] and error["extensions"]["code"] == code
    if status == 200:  # a request error for a legacy client: data null, as GraphQL spells it
        assert body["data"] is None
    else:
        assert "data" not in body or body["data"] is None
    return error


REFUSED_BEFORE_GRAPHQL = {
    "json that does not parse": (
        {"method": "POST", "content": b"{nope", "headers": JSON_BODY},
        400,
        "BAD_REQUEST",
    ),
    "no query": ({"method": "POST", "json": {}}, 400, "BAD_REQUEST"),
    "a query that is not a string": ({"method": "POST", "json": {"query": 5}}, 400, "BAD_REQUEST"),
    "a batch": (
        {"method": "POST", "json": [{"query": "{ __typename }"}]},
        400,
        "BAD_REQUEST",
    ),
    "a body that is not JSON": (
        {"method": "POST", "content": b"{}", "headers": {"content-type": "text/plain"}},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    "PUT": ({"method": "PUT", "json": {"query": "{ __typename }"}}, 405, "METHOD_NOT_ALLOWED"),
}


@pytest.mark.parametrize("accept", [MODERN, LEGACY, GRAPHIQL])
@pytest.mark.parametrize("case", list(REFUSED_BEFORE_GRAPHQL), ids=str)
async def test_requests_refused_before_graphql_runs_are_coded_json_errors(client, accept, case):
    request, status, code = REFUSED_BEFORE_GRAPHQL[case]
    headers = {"accept": accept, **request.get("headers", {})}
    response = await client.request(
        request["method"],
        "/graphql",
        json=request.get("json"),
        content=request.get("content"),
        headers=headers,
    )
    _refused(response, accept, status, code)
    # Refused before it named an operation: no audit entry, no operation to account for.
    assert await AuditEntry.all().count() == 0


async def _audited_refusal(code):
    [entry] = await AuditEntry.all()
    assert entry.outcome == "ERROR" and entry.error_codes == [code]
    return entry


@pytest.mark.parametrize("accept", [MODERN, LEGACY, GRAPHIQL])
async def test_an_unknown_operation_name_is_a_coded_request_error(api, accept):
    # Given GraphiQL's request right after its editor text changed: the document and the
    # name of the operation it held before
    token = await staff_token(Role.ADMIN)
    response = await api.client.post(
        "/graphql",
        json={"query": "query Members { viewer { roles } }", "operationName": "StaffLogin"},
        headers={"accept": accept, "authorization": f"Bearer {token}"},
    )
    # then the answer is JSON GraphiQL can read: a request error, 400 to clients of the
    # spec's media type, 200 with data null to application/json ones
    error = _refused(
        response, accept, 200 if accept == LEGACY else 400, "OPERATION_RESOLUTION_FAILURE"
    )
    assert '"StaffLogin"' in error["message"]
    entry = await _audited_refusal("OPERATION_RESOLUTION_FAILURE")
    assert entry.operation_name == "StaffLogin" and entry.operation_type == "unknown"


@pytest.mark.parametrize("accept", [MODERN, LEGACY])
async def test_several_operations_without_a_name_run_none_of_them(api, accept):
    token = await staff_token(Role.SERVICE)
    document = "mutation SignOut { logout { ok } } query Viewer { viewer { roles } }"
    response = await api.client.post(
        "/graphql",
        json={"query": document},
        headers={"accept": accept, "authorization": f"Bearer {token}"},
    )
    error = _refused(
        response, accept, 200 if accept == LEGACY else 400, "OPERATION_RESOLUTION_FAILURE"
    )
    assert "operationName" in error["message"]
    entry = await _audited_refusal("OPERATION_RESOLUTION_FAILURE")
    assert entry.operation_name is None and entry.fields_ == []
    # the first operation did not run: the session it would have ended still signs in
    assert (await api("{ viewer { roles } }", token=token))["data"]["viewer"]["roles"] == [
        "SERVICE"
    ]
    named = await api.client.post(
        "/graphql", json={"query": document, "operationName": "Viewer"}, headers={"accept": accept}
    )
    assert named.json() == {"data": {"viewer": {"roles": []}}}


@pytest.mark.parametrize("accept", [MODERN, LEGACY, GRAPHIQL])
async def test_a_mutation_over_get_is_405_allowing_post(api, accept):
    token = await staff_token(Role.SERVICE)
    response = await api.client.get(
        "/graphql",
        params={"query": "mutation SignOut { logout { ok } }"},
        headers={"accept": accept, "authorization": f"Bearer {token}"},
    )
    _refused(response, accept, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    entry = await _audited_refusal("METHOD_NOT_ALLOWED")
    assert (entry.operation_type, entry.fields_) == ("mutation", ["logout"])
    assert await Session.filter(revoked_at=None).count() == 1  # logout did not run


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("accept", [MODERN, LEGACY])
async def test_a_subscription_over_http_is_a_coded_400_without_a_traceback(
    api, caplog, method, accept
):
    token = await staff_token(Role.SERVICE)
    query = "subscription Posted { pointsPosted { points } }"
    headers = {"accept": accept, "authorization": f"Bearer {token}"}
    with caplog.at_level(logging.INFO, logger="memberhub"):
        if method == "POST":
            response = await api.client.post("/graphql", json={"query": query}, headers=headers)
        else:
            response = await api.client.get("/graphql", params={"query": query}, headers=headers)
    error = _refused(response, accept, 400, "SUBSCRIPTION_OVER_HTTP")
    assert "graphql-transport-ws" in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    [line] = [r for r in caplog.records if r.name == "memberhub.http"]
    assert line.fields["status"] == 400 and line.fields["error_codes"] == ["SUBSCRIPTION_OVER_HTTP"]
    entry = await _audited_refusal("SUBSCRIPTION_OVER_HTTP")
    assert entry.operation_type == "subscription"


@pytest.mark.parametrize("accept", [MODERN, LEGACY, GRAPHIQL])
@pytest.mark.parametrize("token_is", ["unknown", "expired", "revoked"])
async def test_a_token_of_no_live_session_is_401_and_never_anonymous(api, accept, token_is):
    token = await staff_token(Role.ADMIN)
    if token_is == "unknown":
        token = "not-a-token-anyone-was-given"
    elif token_is == "expired":
        await Session.all().update(expires_at=utcnow() - timedelta(seconds=1))
    else:
        await Session.all().update(revoked_at=utcnow())
    response = await api.client.post(
        "/graphql",
        json={"query": "{ tiers { code } }"},  # what an anonymous caller may read
        headers={"accept": accept, "authorization": f"Bearer {token}"},
    )
    error = _refused(response, accept, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "session is no longer valid" in error["message"]
    assert await AuditEntry.all().count() == 0  # it ran as nobody


async def test_the_root_leads_to_graphiql(client):
    response = await client.get("/", headers={"accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["location"] == "/graphql"
    page = await client.get(response.headers["location"], headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
