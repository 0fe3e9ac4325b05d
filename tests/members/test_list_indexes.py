"""Member lists at 100,000 members: migrations give the indexes the lists page through,
and a page reads its rows in index order instead of sorting every member (issue 7)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tortoise import connections

from models.enums import MemberOrderField, MemberStatus, OrderDirection
from models.member import SPEND_INDEX, install_spend_index
from services.clock import utcnow
from services.members.search import MemberFilter, filter_members, order_members
from tests.core.test_cli import _run as run_cli

PAGES = [
    (None, MemberOrderField.JOINED_AT, OrderDirection.ASC),
    (MemberFilter(status=[MemberStatus.ACTIVE]), MemberOrderField.JOINED_AT, OrderDirection.ASC),
    (MemberFilter(tier_codes=["GOLD"]), MemberOrderField.JOINED_AT, OrderDirection.ASC),
    (None, MemberOrderField.POINTS_BALANCE, OrderDirection.DESC),
    (None, MemberOrderField.LIFETIME_SPEND, OrderDirection.DESC),
    (None, MemberOrderField.LIFETIME_SPEND, OrderDirection.ASC),
]


def _member_indexes(path: Path) -> dict[str, list[str | None]]:
    with sqlite3.connect(path) as db:
        names = [row[1] for row in db.execute("PRAGMA index_list('member')")]
        return {
            name: [row[2] for row in db.execute(f"PRAGMA index_info('{name}')")] for name in names
        }


def test_migrate_creates_the_member_list_indexes(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    indexes = _member_indexes(tmp_path / "cli.db")
    columns = list(indexes.values())
    assert ["status", "joined_at", "id"] in columns
    assert ["points_balance", "id"] in columns
    assert ["tier_id", "joined_at", "id"] in columns
    assert indexes[SPEND_INDEX] == [None, "id"]  # None: the CAST expression


@pytest.mark.parametrize(("query", "field", "direction"), PAGES)
async def test_a_page_of_members_is_read_in_index_order(db, query, field, direction) -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    await install_spend_index(conn)  # migration 0003 installs it; tests build from the models
    page = (
        order_members(await filter_members(query, utcnow()), field, direction).offset(0).limit(101)
    )
    page.sql()  # renders page.query; a subquery's parameters are not inlined, so bind them
    sql, params = page.query.get_parameterized_sql()
    # A connection of its own: EXPLAIN runs no statement, so a connection that read the
    # schema before the index was made would plan with the schema it remembers.
    with sqlite3.connect(conn.filename) as fresh:
        steps = [row[3] for row in fresh.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert any(
        step.startswith(("SCAN member USING INDEX", "SEARCH member USING INDEX")) for step in steps
    ), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
