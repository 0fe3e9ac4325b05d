"""`memberhub backup PATH`: a consistent, verified copy of the SQLite database while it serves.

SQLite's online backup API copies the snapshot of the source connection's read
transaction; in WAL mode that never blocks the server's writers. The rows of every table
are counted in that same snapshot, so the copy must hold exactly as many, and pass
`PRAGMA integrity_check`, before it replaces PATH: a cron job's exit 0 means a good
backup. PostgreSQL is backed up with its own tools (pg_dump), see README.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.database_check import check_sqlite, sqlite_path
from models.db import is_sqlite


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    tables: int
    rows: int


def sqlite_file(database_url: str) -> Path:
    """The source: a migrated SQLite file (DatabaseNotReady names what is wrong)."""
    if not is_sqlite(database_url):
        raise BackupError(
            "backup copies SQLite databases; back up PostgreSQL with pg_dump (see README)"
        )
    path = sqlite_path(database_url)
    check_sqlite(path)
    return path


def row_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def _verify(copy: sqlite3.Connection, source_counts: dict[str, int]) -> None:
    (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    counts = row_counts(copy)
    if counts != source_counts:
        differing = sorted(
            table
            for table in source_counts.keys() | counts.keys()
            if source_counts.get(table) != counts.get(table)
        )
        raise BackupError(
            "the copy's row counts differ from the source's in "
            + ", ".join(f"{t} ({counts.get(t)} != {source_counts.get(t)})" for t in differing)
        )


def backup_sqlite(source: Path, target: Path) -> Backup:
    """Copy, verify, then move into place: PATH is either the old file or a whole,
    verified copy; a copy that fails verification is removed."""
    if target.resolve() == source:
        raise BackupError(f"{target} is the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source_db = sqlite3.connect(source, isolation_level=None)
    try:
        copy = sqlite3.connect(partial)
        try:
            source_db.execute("BEGIN")  # one snapshot for the counts and the copy
            source_counts = row_counts(source_db)
            source_db.backup(copy)
            source_db.execute("COMMIT")
            _verify(copy, source_counts)
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source_db.close()
    partial.replace(target)
    return Backup(tables=len(source_counts), rows=sum(source_counts.values()))
