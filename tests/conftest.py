"""Fixtures shared by every test: a fresh database per test, an API client, role sign-ins.

MEMBERHUB_TEST_DATABASE_URL picks the database (CI sets a postgres:// URL with `{}`,
filled with a fresh name per test); the default is a SQLite file in the test's own
temporary folder. Each is a copy of one database built per session: building the
schema took most of a PostgreSQL test's time.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("MEMBERHUB_DATA_KEY", base64.b64encode(b"k" * 32).decode())
os.environ.setdefault("MEMBERHUB_ENV", "development")

import httpx
import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext

from app.server import create_app
from auth.authentication import issue_session
from core.settings import get_settings
from models.db import tortoise_config
from models.enums import Role
from models.member_search import install_search_index
from models.points import install_guards
from models.reference_data import START_BELOW, VERSION_TABLE, install_reference_version
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


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a database with the schema and what the migrations install beside it,
    built once per session for each test's database to be copied from."""
    url = database_url_for(tmp_path_factory.mktemp("template"))
    url = url.replace("{}", f"template_{uuid.uuid4().hex}")
    asyncio.run(_build(url))
    if url.startswith("sqlite"):
        # Each test copies the file alone: everything in it, nothing left in the log.
        with sqlite3.connect(_sqlite_file(url)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield url
    if not url.startswith("sqlite"):
        asyncio.run(_drop_postgres_database(url))


async def _build(url: str) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _create_db=True)
        await ctx.generate_schemas(safe=False)
        client = ctx.db()
        await install_guards(client)  # what migration 0002 installs
        await install_search_index(client)  # migration 0017's
        await install_reference_version(client)  # migration 0019's


async def _copied(template: str, tmp_path: Any) -> str:
    """A fresh database with the template's contents, by its URL."""
    url = database_url_for(tmp_path).replace("{}", uuid.uuid4().hex)
    if url.startswith("sqlite"):
        shutil.copyfile(_sqlite_file(template), _sqlite_file(url))
        return url
    async with _maintenance(url) as (conn, name):
        await _retried(conn, f'CREATE DATABASE "{name}" TEMPLATE "{_database(template)}"')
    return url


@pytest_asyncio.fixture(autouse=True)
async def db(tmp_path: Any, template: str) -> AsyncIterator[TortoiseContext]:
    """Every test gets a fresh database of its own, asked for or not."""
    url = await _copied(template, tmp_path)
    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        client = connections.get("default")
        # A random number, as each database starts from one (models/reference_data.py):
        # no process may take this database's reference data for the last test's.
        await client.execute_query(
            f"UPDATE {VERSION_TABLE} SET version = {random.randrange(START_BELOW)}"
        )
        await ensure_head()
        yield ctx
        if client.capabilities.dialect == "postgres":
            await client.close()
            await _drop_postgres_database(url)


def _sqlite_file(url: str) -> str:
    return url.removeprefix("sqlite://")


def _database(url: str) -> str:
    return str(expand_db_url(url)["credentials"]["database"])


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


@asynccontextmanager
async def _maintenance(url: str) -> AsyncIterator[tuple[Any, str]]:
    """A connection to the server of `url`'s database, from another database (one cannot
    create or drop the database one is in), and that database's name."""
    import asyncpg

    credentials = expand_db_url(url)["credentials"]
    # The maintenance database, which the test user owns (.ci/run creates it).
    conn = await asyncpg.connect(
        host=credentials["host"],
        port=credentials["port"],
        user=credentials["user"],
        password=credentials["password"],
        database=credentials["user"],
    )
    try:
        yield conn, _database(url)
    finally:
        await conn.close()


async def _retried(conn: Any, statement: str) -> None:
    import asyncpg

    for _ in range(100):
        try:
            await conn.execute(statement)
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            # An autovacuum worker (a superuser's backend) is visiting the database;
            # FORCE may not end it, and it leaves within moments.
            await asyncio.sleep(0.05)
    raise RuntimeError(f"test database stayed busy: {statement}")


async def _drop_postgres_database(url: str) -> None:
    async with _maintenance(url) as (conn, name):
        await _retried(conn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
