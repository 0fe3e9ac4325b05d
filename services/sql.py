"""Hand-written SQL that runs on SQLite and PostgreSQL: `?` placeholders, numbered for
PostgreSQL. For the hot reads where Tortoise's rendering of a query (its filters, `Q`
trees, annotations) costs more than the database does (issue 7)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tortoise import connections

_PLACEHOLDER = re.compile(r"\?")
# A purchase refunded in full is no longer an order (DESIGN §2 "Points ledger"): the
# tier window and the tag facts count orders alike.
KEPT_ORDER = "CAST(refunded_amount AS NUMERIC) < CAST(amount AS NUMERIC)"


def marks(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values."""
    return ", ".join("?" * count)


async def fetch_dicts(conn: Any, text: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run a statement (SELECT, or a write with RETURNING) and return its rows; `conn`
    None is the default connection (or the transaction in progress)."""
    conn = conn or connections.get("default")
    if conn.capabilities.dialect == "postgres":
        numbers = iter(range(1, len(params) + 1))
        text = _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", text)
    return list(await conn.execute_query_dict(text, list(params)))
