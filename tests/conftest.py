"""Fixtures shared by every test: a fresh database per test, an API client, role sign-ins.

MEMBERHUB_TEST_DATABASE_URL picks the database (CI sets a postgres:// URL with `{}`,
which Tortoise fills with a fresh name per test); the default is a SQLite file in
the test's own temporary folder.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("MEMBERHUB_DATA_KEY", base64.b64encode(b"k" * 32).decode())
os.environ.setdefault("MEMBERHUB_ENV", "development")

import httpx
import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.context import TortoiseContext

from app.server import create_app
from auth.authentication import issue_session
from core.settings import get_settings
from models.db import tortoise_config
from models.enums import Role
from models.member_search import install_search_index
from models.points import install_guards
from models.reference_data import install_reference_version
from models.staff import StaffUser
from services.audit import ensure_head
from services.clock import utcnow
from services.passwords import hash_password
from services.units import current_unit
from tests import declared_errors

TEST_PASSWORD = "correct-horse-battery"
PASSWORD_HASH = asyncio.run(hash_password(TEST_PASSWORD))  # argon2 is slow on purpose: hash once


def database_url_for(tmp_path: Any) -> str:
    return os.environ.get("MEMBERHUB_TEST_DATABASE_URL") or f"sqlite://{tmp_path}/test.db"


@pytest_asyncio.fixture(autouse=True)
async def db(tmp_path: Any) -> AsyncIterator[TortoiseContext]:
    """Every test gets a fresh database of its own, asked for or not."""
    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(
            config=tortoise_config(database_url_for(tmp_path), testing=True),
            _create_db=True,
            _enable_global_fallback=True,
        )
        await ctx.generate_schemas(safe=False)
        await install_guards(connections.get("default"))  # what migration 0002 installs
        await install_search_index(connections.get("default"))  # migration 0017's
        await install_reference_version(connections.get("default"))  # migration 0019's
        await ensure_head()
        yield ctx
        client = connections.get("default")
        if client.capabilities.dialect == "postgres":
            await _drop_postgres_database(client)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_CLIENT_CALLS = ("execute_query", "execute_insert", "execute_query_dict", "execute_many")


@pytest.fixture(autouse=True)
def writes_stay_in_their_unit(db: TortoiseContext, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every write a mutation (or a job's batch) makes runs in its unit of work's
    transaction: one outside it would commit without the entry that audits it."""
    client_class = type(connections.get("default"))
    stray: list[str] = []

    def checked(call: Any) -> Any:
        async def run(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            outside = current_unit() is not None and not isinstance(self, TransactionalDBClient)
            if outside and query.lstrip().upper().startswith(_WRITES):
                stray.append(query)
            return await call(self, query, *args, **kwargs)

        return run

    for name in _CLIENT_CALLS:
        monkeypatch.setattr(client_class, name, checked(getattr(client_class, name)))
    yield
    assert not stray, f"writes outside their unit of work: {stray}"


async def _drop_postgres_database(client: Any) -> None:
    # The pool still holds the database open: close it, then drop from another database.
    import asyncpg

    name = client.database
    await client.close()
    conn = await asyncpg.connect(
        host=client.host,
        port=client.port,
        user=client.user,
        password=client.password,
        database=client.user,
    )
    try:
        for _ in range(100):
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.InsufficientPrivilegeError:
                # An autovacuum worker (a superuser's backend) is visiting the fresh
                # database; FORCE may not end it, and it leaves within moments.
                await asyncio.sleep(0.05)
        raise RuntimeError(f"test database {name} stayed busy")
    finally:
        await conn.close()


@dataclass
class Api:
    """Posts GraphQL as a client would; `token` signs the request in."""

    client: httpx.AsyncClient
    token: str | None = None

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        bearer = token or self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def as_(self, token: str | None) -> Api:
        return Api(self.client, token)


@pytest_asyncio.fixture
async def client(db: TortoiseContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(get_settings(), manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


async def make_staff(role: Role | list[Role], username: str | None = None) -> StaffUser:
    roles = role if isinstance(role, list) else [role]
    name = username or "-".join(r.value.lower() for r in roles)
    return await StaffUser.create(
        username=name,
        display_name=f"Test {name}",
        password_hash=PASSWORD_HASH,
        roles=[r.value for r in roles],
        created_at=utcnow(),
    )


async def staff_token(role: Role | list[Role], username: str | None = None) -> str:
    staff = await make_staff(role, username)
    return (await issue_session(utcnow(), staff_id=staff.id)).token


async def member_token(member_id: int) -> str:
    return (await issue_session(utcnow(), member_id=member_id)).token


@pytest.fixture
def as_role(api: Api, db: TortoiseContext) -> Callable[[Role], Awaitable[Api]]:
    """`await as_role(Role.SERVICE)` gives an Api signed in as a fresh staff user of that role."""

    async def sign_in(role: Role) -> Api:
        return api.as_(await staff_token(role))

    return sign_in


@pytest.fixture(autouse=True)
def declared_error_codes() -> Iterator[None]:
    """A mutation answering with an `errors` code its description does not declare fails
    the test that made it (tests/declared_errors.py)."""
    declared_errors.watch()
    declared_errors.undeclared.clear()
    yield
    assert not declared_errors.undeclared, declared_errors.undeclared
