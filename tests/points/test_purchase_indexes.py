"""A purchase's tier change and reversals are found through indexes, whatever the size of
the programme: a replayed recordPurchase and every refund look them up (issue 7)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.core.test_cli import _run as run_cli

LOOKUPS = [
    'SELECT * FROM "tier_change" WHERE "purchase_id" = ?',
    'SELECT SUM("points") FROM "points_entry" WHERE "purchase_id" = ? AND "kind" = ?',
]


def test_migrate_indexes_the_lookups_by_purchase(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as db:
        for sql in LOOKUPS:
            values = [1, "REVERSAL"][: sql.count("?")]
            plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", values))
            assert "USING INDEX" in plan and "purchase_id=?" in plan, (sql, plan)
