import logging

from models.audit import AuditEntry
from models.enums import AuditOutcome, Role
from tests.conftest import staff_token


def _codes(result):
    return [e["extensions"]["code"] for e in result.get("errors", [])]


def _purchases_chain(hops: int) -> str:
    """member -> purchases -> edges -> node -> member ... : four levels per hop."""
    inner = "id"
    for _ in range(hops):
        inner = f"member {{ purchases {{ edges {{ node {{ {inner} }} }} }} }}"
    return "{ " + inner.replace("member {", 'member(id: "eA==") {', 1) + " }"


async def test_depth_over_ten_is_refused(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    too_deep = await admin(_purchases_chain(3))  # 12 levels
    assert too_deep.get("data") is None
    assert "GRAPHQL_VALIDATION_FAILED" in _codes(too_deep)
    within = await admin(_purchases_chain(2))  # 8 levels
    assert "GRAPHQL_VALIDATION_FAILED" not in _codes(within)


async def test_more_than_fifteen_aliases_are_refused(api):
    query = "{ " + " ".join(f"a{i}: viewer {{ roles }}" for i in range(16)) + " }"
    result = await api(query)
    assert result.get("data") is None
    assert "GRAPHQL_VALIDATION_FAILED" in _codes(result)


async def test_fifteen_aliases_are_fine(api):
    query = "{ " + " ".join(f"a{i}: viewer {{ roles }}" for i in range(15)) + " }"
    result = await api(query)
    assert "errors" not in result


async def test_documents_over_two_thousand_tokens_are_refused(api):
    query = "{ viewer { " + " ".join("roles" for _ in range(2100)) + " } }"
    result = await api(query)
    assert result.get("data") is None
    assert result["errors"][0]["extensions"]["code"]


async def test_page_size_over_the_limit_is_a_bad_user_input(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin("{ staffUsers(first: 101) { id } }")
    assert _codes(result) == ["BAD_USER_INPUT"]
    assert (await admin("{ staffUsers(first: 100) { id } }"))["data"]["staffUsers"]


async def test_every_error_carries_a_code(api):
    for query in ("{ nope }", "{ viewer { roles }", "query($x: Int!) { viewer { roles } }"):
        response = await api.post(query, {"x": "not-an-int"})
        assert response.status_code < 500
        for error in response.json()["errors"]:
            assert error["extensions"]["code"], error


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api, monkeypatch, caplog
):
    from auth import authentication

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(authentication, "staff_login", broken)
    with caplog.at_level(logging.ERROR, logger="memberhub.errors"):
        response = await api.client.post(
            "/graphql",
            json={
                "query": 'mutation { staffLogin(input: {username: "a", password: "b"}) '
                "{ errors { code } } }"
            },
            headers={"x-request-id": "req-123"},
        )
    body = response.json()
    assert response.status_code == 200
    assert "secret internals" not in response.text
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "req-123",
    }
    [logged] = [record for record in caplog.records if "req-123" in record.getMessage()]
    assert logged.exc_info and logged.exc_info[2] is not None  # the traceback, for us


async def test_malformed_requests_get_4xx_not_500(client):
    assert (
        await client.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        )
    ).status_code == 400
    assert (await client.post("/graphql", json={"variables": {}})).status_code == 400
    assert (await client.post("/graphql", json=[1, 2])).status_code == 400


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_queries_work_over_get(client):
    response = await client.get(
        "/graphql", params={"query": "{ viewer { roles } }"}, headers={"accept": "application/json"}
    )
    assert response.json() == {"data": {"viewer": {"roles": []}}}


async def test_a_document_that_does_not_parse_is_answered_and_audited(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin("query Broken { viewer { roles }")
    assert result["data"] is None
    assert _codes(result) == ["GRAPHQL_PARSE_FAILED"]
    assert result["errors"][0]["message"].startswith("Syntax Error")
    [entry] = await AuditEntry.all()
    assert (entry.outcome, entry.error_codes) == (AuditOutcome.ERROR, ["GRAPHQL_PARSE_FAILED"])
