"""Fixtures of the benefits tests: the ledger's append-only guards on every test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from tortoise import connections
from tortoise.context import TortoiseContext

from models.points import install_guards


@pytest_asyncio.fixture(autouse=True)
async def ledger_guards(db: TortoiseContext) -> AsyncIterator[None]:
    await install_guards(connections.get("default"))
    yield
