"""The reference data's version (issue 27): one row whose number moves with every write to
the tables a request reads whole and that rarely change, so that each process may keep
them in memory (services/reference_data.py) and know when its copy is old.

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
# Far from both ends of a 64-bit integer: the number only ever grows by one.
_START_BELOW = 10**12

_BUMP = f"UPDATE {VERSION_TABLE} SET version = version + 1"
_SQLITE = [
    f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE}
    (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)""",
    f"INSERT OR IGNORE INTO {VERSION_TABLE} (id, version) VALUES (1, random() % {_START_BELOW})",
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_reference_data"
        f" AFTER {event} ON {table} BEGIN {_BUMP}; END"
        for table in REFERENCE_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
_POSTGRES = [
    f"""CREATE TABLE IF NOT EXISTS {VERSION_TABLE}
    (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)""",
    f"""INSERT INTO {VERSION_TABLE} (id, version)
    VALUES (1, floor(random() * {_START_BELOW})::bigint) ON CONFLICT (id) DO NOTHING""",
    f"""CREATE OR REPLACE FUNCTION reference_data_changed() RETURNS trigger AS $$
    BEGIN {_BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    # Once per statement: a job that rewrites every tag definition moves it once. Before
    # the statement's own row locks: every writer takes the version row's lock first, so
    # two transactions writing reference rows in different orders wait, not deadlock.
    *(
        statement
        for table in REFERENCE_TABLES
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_reference_data ON {table}",
            f"""CREATE TRIGGER {table}_reference_data
            BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION reference_data_changed()""",
        )
    ),
]


async def install_reference_version(conn: Any) -> None:
    """Create the version row and the triggers that move it (idempotent)."""
    statements = _SQLITE if conn.capabilities.dialect == "sqlite" else _POSTGRES
    for statement in statements:
        await conn.execute_script(statement)
