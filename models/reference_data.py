"""The reference data's version (issue 27): one row whose number moves with every change
to the tables a request reads whole and that rarely change (but for their COUNTERS), so
that each process may keep them in memory (services/reference_data.py) and know when
its copy is old.

Triggers move it in the writing statement's transaction, whatever writes: a mutation,
a job in the worker, another server process, an operator's SQL. Each database starts
from a random number, so no process takes a fresh database's reference data for what it
kept of another (the tests make one per test). Installed by migration 0019; the tests,
which build the schema from the models, install it too."""

from __future__ import annotations

from typing import Any

VERSION_TABLE = "reference_data_version"
# The reference data: the tier ladder, the tag definitions, the benefits and which tier
# holds which.
REFERENCE_TABLES = ("tier", "tag_definition", "benefit", "benefit_tier")
# Columns that ordinary traffic moves (every tag assigned or reported wrong, each refresh):
# no part of the reference data, they move no version. The copy's values of them are as
# old as the copy: read them from the table (schema/tags.py, `errorRate`).
COUNTERS = {"tag_definition": ("assignments_total", "errors_total", "refreshed_at")}
# Far from both ends of a 64-bit integer: the number only ever grows by one.
START_BELOW = 10**12

_BUMP = f"UPDATE {VERSION_TABLE} SET version = version + 1"
_COLUMNS = {
    "sqlite": "SELECT name FROM pragma_table_info(?)",
    "postgres": "SELECT column_name AS name FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = $1",
}


async def watched_columns(conn: Any, table: str) -> list[str]:
    """The columns of `table` whose change moves the version: all but its COUNTERS."""
    rows = await conn.execute_query_dict(_COLUMNS[conn.capabilities.dialect], [table])
    return sorted(row["name"] for row in rows if row["name"] not in COUNTERS.get(table, ()))


def _listed(columns: list[str]) -> str:
    return ", ".join('"' + column.replace('"', '""') + '"' for column in columns)


def _sqlite(watched: dict[str, list[str]]) -> list[str]:
    statements = [
        f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE}
        (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)""",
        f"INSERT OR IGNORE INTO {VERSION_TABLE} (id, version) VALUES (1, random() % {START_BELOW})",
    ]
    for table in REFERENCE_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_reference_data"
            of = f" OF {_listed(watched[table])}" if event == "UPDATE" else ""
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} BEGIN {_BUMP}; END",
            ]
    return statements


def _postgres(watched: dict[str, list[str]]) -> list[str]:
    statements = [
        f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE}
        (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)""",
        f"""INSERT INTO {VERSION_TABLE} (id, version)
        VALUES (1, floor(random() * {START_BELOW})::bigint) ON CONFLICT (id) DO NOTHING""",
        f"""CREATE OR REPLACE FUNCTION reference_data_changed() RETURNS trigger AS $$
        BEGIN {_BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    ]
    # Once per statement: a job that rewrites every tier moves it once. Before the
    # statement's own row locks, so that a statement takes the version row's lock
    # before the rows it writes.
    for table in REFERENCE_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_reference_data ON {table}",
            f"""CREATE TRIGGER {table}_reference_data
            BEFORE INSERT OR UPDATE OF {_listed(watched[table])} OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reference_data_changed()""",
        ]
    return statements


async def install_reference_version(conn: Any) -> None:
    """Create the version row and the triggers that move it (idempotent). The triggers
    name the columns there are: a migration that adds a column to a reference table
    installs them again."""
    watched = {table: await watched_columns(conn, table) for table in REFERENCE_TABLES}
    build = _sqlite if conn.capabilities.dialect == "sqlite" else _postgres
    for statement in build(watched):
        await conn.execute_script(statement)
