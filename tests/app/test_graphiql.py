import base64
import hashlib
import json
import re

from app.graphiql import DEFAULT_DOCUMENT, DEFAULT_HEADERS, PINNED_ASSETS, STATIC_DIR
from models.enums import Role
from tests.conftest import TEST_PASSWORD, make_staff

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_graphiql_page_loads_nothing_from_outside(client):
    response = await client.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    sources.remove("data:,")  # an empty icon: the browser asks for no /favicon.ico
    assert sources and all(source.startswith("/graphiql-static/") for source in sources)
    for source in sources:
        assert (await client.get(source)).status_code == 200, source


async def test_graphiql_page_policy_allows_only_its_own_origin(client):
    policy = (await client.get("/graphql", headers=BROWSER)).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "http" not in policy and "*" not in policy


async def test_graphiql_offers_the_staff_login_and_an_authorization_header(client):
    html = (await client.get("/graphql", headers=BROWSER)).text
    assert "staffLogin(input:" in html
    assert "Authorization" in html and "Bearer" in html


async def test_pinned_assets_are_the_published_builds_with_their_licences(client):
    for name, (package, sri) in PINNED_ASSETS.items():
        served = await client.get(f"/graphiql-static/{name}")
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == sri, f"{name} is not {package}"
    for package in ("graphiql", "react", "react-dom"):
        licence = (STATIC_DIR / f"LICENSE.{package}").read_text()
        assert "MIT License" in licence


async def test_graphiql_runs_subscriptions_over_a_websocket_at_its_own_address(client):
    # The page's own script gives GraphiQL its subscription URL, made from the page's
    # location (ws: beside http:, wss: beside https:), so it works behind any host and port.
    html = (await client.get("/graphql", headers=BROWSER)).text
    [script] = re.findall(r'src="(/graphiql-static/memberhub-[^"]+\.js)"', html)
    source = (await client.get(script)).text
    assert "subscriptionUrl: socket.href" in source
    assert 'socket.protocol === "https:" ? "wss:" : "ws:"' in source


async def test_the_prepared_header_lets_staff_login_run_until_a_token_is_pasted(client):
    # A placeholder token there would be refused (401), the sign-in itself included.
    await make_staff(Role.ADMIN, "grace")
    response = await client.post(
        "/graphql",
        json={
            "query": DEFAULT_DOCUMENT,
            "variables": {"username": "grace", "password": TEST_PASSWORD},
        },
        headers=json.loads(DEFAULT_HEADERS),
    )
    assert response.status_code == 200
    assert response.json()["data"]["staffLogin"]["session"]["token"]
