"""GraphQL over HTTP: each rule of the current spec the server follows."""

import pytest

from app.http import negotiate

MODERN = "application/graphql-response+json"
VIEWER = "{ viewer { roles } }"


def post(client, body, accept=MODERN, **kwargs):
    return client.post("/graphql", json=body, headers={"accept": accept}, **kwargs)


async def test_modern_media_type_is_accepted_and_answered(client):
    response = await post(client, {"query": VIEWER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MODERN)
    assert response.json() == {"data": {"viewer": {"roles": []}}}


@pytest.mark.parametrize(
    "query",
    ["{ viewer { roles ", "{ noSuchField }", "query($n: Int!) { viewer { roles } }"],
    ids=["parse", "validation", "variables"],
)
async def test_modern_request_errors_are_400_without_data(client, query):
    response = await post(client, {"query": query})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(MODERN)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"]


async def test_legacy_json_keeps_200_and_null_data(client):
    response = await post(client, {"query": "{ noSuchField }"}, accept="application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None and body["errors"]


async def test_field_errors_are_not_request_errors(client):
    response = await post(client, {"query": "{ auditLog(first: 1) { totalCount } }"})
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and body["errors"][0]["path"] == ["auditLog"]


async def test_no_accept_header_means_legacy_json(client):
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"accept": ""})
    assert response.headers["content-type"].startswith("application/json")


async def test_get_runs_queries(client):
    response = await client.get("/graphql", params={"query": VIEWER}, headers={"accept": MODERN})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["roles"] == []


async def test_get_refuses_mutations_with_405(client):
    response = await client.get(
        "/graphql", params={"query": "mutation { logout { ok } }"}, headers={"accept": MODERN}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_other_methods_get_405(client):
    assert (await client.put("/graphql", json={"query": VIEWER})).status_code == 405
    head = await client.head("/graphql", headers={"accept": "text/html"})
    assert head.status_code == 405
    assert head.headers["allow"] == "GET, POST"


async def test_unacceptable_accept_gets_406(client):
    response = await post(client, {"query": VIEWER}, accept="application/xml")
    assert response.status_code == 406
    get = await client.get("/graphql", params={"query": VIEWER}, headers={"accept": "text/csv"})
    assert get.status_code == 406


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/graphql", "application/json; charset=latin-1", None],
)
async def test_unsupported_request_media_types_get_415(client, content_type):
    headers = {"accept": MODERN} | ({"content-type": content_type} if content_type else {})
    response = await client.post(
        "/graphql", content=b'{"query": "{ viewer { roles } }"}', headers=headers
    )
    assert response.status_code == 415


async def test_json_with_utf8_charset_is_accepted(client):
    response = await client.post(
        "/graphql",
        content=b'{"query": "{ viewer { roles } }"}',
        headers={"accept": MODERN, "content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


async def test_malformed_bodies_get_400(client):
    response = await client.post(
        "/graphql", content=b"{nope", headers={"accept": MODERN, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert (await post(client, {"query": 5})).status_code == 400


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (f"{MODERN}, application/json;q=0.9", MODERN),
        (f"application/json, {MODERN};q=0.5", "application/json"),
        (f"application/json, {MODERN}", MODERN),
        (f"{MODERN};q=0, */*", "application/json"),
    ],
)
def test_negotiation(accept, expected):
    assert negotiate(accept) == expected


_BODIES = [
    {"query": VIEWER},
    {"query": "query Q { viewer { roles } }", "operationName": "Q", "extensions": {}},
    {"query": "query A { viewer { roles } } query B { __typename }"},
    {"query": "{ viewer { roles "},
    {"query": "{ noSuchField }"},
    {"query": "query($n: Int!) { viewer { roles } }", "variables": None},
    {"query": "{ auditLog(first: 1) { totalCount } }"},
    {"query": "mutation { logout { ok } }"},
    {"query": VIEWER, "variables": [1]},
    {"query": VIEWER, "operationName": 7},
    {"query": 5},
    {"query": None},
    [{"query": VIEWER}],
]


def _answer(response):
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, response.content


@pytest.mark.parametrize("accept", [MODERN, "application/json"])
async def test_one_operation_is_answered_as_strawberry_answers_it(client, monkeypatch, accept):
    """The view's own path for a POST of one operation (app/server.py) gives the bytes,
    status and headers strawberry's full `run` gives, for good and bad bodies alike."""
    from app.server import MemberhubGraphQL

    async def answers() -> list:
        found = [_answer(await post(client, body, accept)) for body in _BODIES]
        broken = await client.post(
            "/graphql",
            content=b"{not json",
            headers={"accept": accept, "content-type": "application/json"},
        )
        return [*found, _answer(broken)]

    own = await answers()
    monkeypatch.setattr(MemberhubGraphQL, "run_one_operation", lambda self, request: _none())
    assert own == await answers()
    request_error = 400 if accept == MODERN else 200
    assert [status for status, _, _ in own] == [200] * 2 + [request_error] * 4 + [200] * 2 + [
        400
    ] * 6


async def _none() -> None:
    return None


@pytest.mark.parametrize("body", [b'"text"', b"5", b"null", b"true"])
async def test_a_body_other_than_an_object_or_a_list_is_a_bad_request(client, body):
    response = await client.post(
        "/graphql", content=body, headers={"accept": MODERN, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON object" in response.text


async def test_an_operation_name_other_than_a_string_is_a_bad_request(client):
    response = await post(client, {"query": "query Q { __typename }", "operationName": 7})
    assert response.status_code == 400
    assert "operationName" in response.text
