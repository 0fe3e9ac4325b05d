"""Upgrading a database that holds data: `memberhub migrate` on the last release's schema
with rows in it. A migration that adds a NOT NULL column without a default in the column
itself passes on an empty database and fails on every shop's (SQLite refuses the ALTER,
PostgreSQL the NULLs)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tortoise import fields
from tortoise.migrations import operations as ops

from models import migrations as migration_package
from models.reference_data import COUNTERS, REFERENCE_TABLES
from tests.processes import python_on

MEMBERHUB = str(Path(sys.executable).with_name("memberhub"))
# The head migration of the release before this one's first added column.
LAST_RELEASE = "models.0010_case_deadlines"
MIGRATE_TO = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from models.db import tortoise_config

async def main():
    try:
        await migrate(config=tortoise_config(sys.argv[1]), target=sys.argv[2])
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""


def _added_fields():
    for info in pkgutil.iter_modules(migration_package.__path__):
        module = importlib.import_module(f"{migration_package.__name__}.{info.name}")
        for operation in module.Migration.operations:
            if isinstance(operation, ops.AddField):
                yield info.name, operation


def test_every_added_not_null_column_has_a_default_in_the_database():
    missing = [
        f"{name}: {op.model_name}.{op.name}"
        for name, op in _added_fields()
        if not op.field.null
        and not op.field.has_db_default()
        and not isinstance(op.field, fields.relational.RelationalField)
    ]
    assert missing == [], "give these AddField a db_default (and the model field too)"


def test_migrate_upgrades_the_last_release_s_database_with_rows_in_it(tmp_path: Path):
    url = f"sqlite://{tmp_path}/shop.db"
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": url}
    older = python_on(url, MIGRATE_TO, url, LAST_RELEASE)
    assert older.returncode == 0, older.stderr
    with sqlite3.connect(tmp_path / "shop.db") as db:
        db.execute(
            "INSERT INTO tag_definition"
            " (code, name, category, status, created_at, assignments_total, errors_total)"
            " VALUES ('vip', 'VIP', 'VALUE', 'ACTIVE', '2026-01-01T00:00:00+00:00', 0, 0)"
        )
    upgraded = subprocess.run(
        [MEMBERHUB, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(tmp_path / "shop.db") as db:
        assert db.execute("SELECT visible_to_member FROM tag_definition").fetchall() == [(0,)]
        assert _unwatched(db) == {table: [] for table in REFERENCE_TABLES}


def _unwatched(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Per reference table, the columns whose change its UPDATE trigger misses (a kept copy
    would stay old): a migration that adds one must install the triggers again
    (`install_reference_version`, as 0019 does)."""
    missed = {}
    for table in REFERENCE_TABLES:
        (sql,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (f"{table}_update_reference_data",),
        ).fetchone()
        listed = sql.split(" OF ", 1)[1].split(f" ON {table} ", 1)[0]
        columns = [row[0] for row in db.execute("SELECT name FROM pragma_table_info(?)", (table,))]
        missed[table] = [
            column
            for column in columns
            if f'"{column}"' not in listed and column not in COUNTERS.get(table, ())
        ]
    return missed
