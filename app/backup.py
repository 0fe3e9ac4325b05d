"""`memberhub backup PATH`: a consistent copy of the SQLite database while it serves.

SQLite's online backup API copies a snapshot in one read transaction; in WAL mode
that never blocks the server's writers. PostgreSQL is backed up with its own tools
(pg_dump), see README.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url

from models.db import is_sqlite


class BackupError(Exception):
    pass


def sqlite_file(database_url: str) -> Path:
    if not is_sqlite(database_url):
        raise BackupError(
            "backup copies SQLite databases; back up PostgreSQL with pg_dump (see README)"
        )
    path = Path(expand_db_url(database_url)["credentials"]["file_path"])
    if not path.is_file():
        raise BackupError(f"no database at {path}")
    return path


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy, check, then move into place: PATH is either the old file or a whole copy."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source_db = sqlite3.connect(source)
    try:
        copy = sqlite3.connect(partial)
        try:
            source_db.backup(copy)
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
    finally:
        source_db.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    partial.replace(target)
