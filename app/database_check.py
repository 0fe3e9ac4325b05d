"""The database a command acts on: named for the operator (never with its password), and
refused unless it exists and carries every migration. Only `memberhub migrate` creates or
upgrades one; a command run from the wrong directory must not leave an empty file behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError, OperationalError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.loader import MigrationLoader

from models.db import (
    APP_LABEL,
    MIGRATIONS_MODULE,
    close_db,
    init_db,
    is_sqlite,
    tortoise_config,
)

MIGRATE = "run `memberhub migrate` first, or point MEMBERHUB_DATABASE_URL at the right database"


class DatabaseNotReady(Exception):
    pass


def sqlite_path(url: str) -> Path:
    return Path(expand_db_url(url)["credentials"]["file_path"]).resolve()


def describe(url: str) -> str:
    """A SQLite file by its absolute path (a relative URL follows the working directory);
    a server's URL with its password masked."""
    if is_sqlite(url):
        return f"SQLite file {sqlite_path(url)}"
    scheme, separator, rest = url.partition("://")
    userinfo, at, location = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}{separator}{user}{':***' if colon else ''}{at}{location}"


def _migrations() -> set[str]:
    """The migration names on disk, found as `migrate` finds them."""
    loader = MigrationLoader({APP_LABEL: {"migrations": MIGRATIONS_MODULE}}, recorder=None)  # type: ignore[arg-type]
    loader.load_disk()
    return {key.name for key in loader.disk_migrations}


def _check_applied(where: str, applied: set[str]) -> None:
    if not applied:
        raise DatabaseNotReady(f"{where} is not migrated (no migration applied): {MIGRATE}")
    expected = _migrations()
    missing = sorted(expected - applied)
    if missing:
        raise DatabaseNotReady(f"{where} lacks migration(s) {', '.join(missing)}: {MIGRATE}")
    unknown = sorted(applied - expected)
    if unknown:
        raise DatabaseNotReady(
            f"{where} has migration(s) this memberhub does not know ({', '.join(unknown)}): "
            "it was migrated by a newer version"
        )


def check_sqlite(path: Path) -> None:
    """Read-only: a file that is refused is left as it was."""
    if not path.is_file():
        raise DatabaseNotReady(f"no database at {path}: {MIGRATE}")
    if path.stat().st_size == 0:
        raise DatabaseNotReady(f"{path} is an empty file, not a migrated database: {MIGRATE}")
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT name FROM tortoise_migrations WHERE app = ?", (APP_LABEL,)
            ).fetchall()
        finally:
            db.close()
    except sqlite3.OperationalError as error:
        if not str(error).startswith("no such table"):
            raise DatabaseNotReady(f"cannot read {path}: {error}") from None
        rows = []
    except sqlite3.DatabaseError as error:
        raise DatabaseNotReady(f"{path} is not a SQLite database: {error}") from None
    _check_applied(str(path), {name for (name,) in rows})


async def _check_server(url: str) -> None:
    client = connections.get("default")
    try:
        await client.execute_query("SELECT 1")
    except Exception as error:  # the edge: whatever keeps us from the server, said plainly
        raise DatabaseNotReady(f"cannot connect to {describe(url)}: {error}") from None
    try:
        _, rows = await client.execute_query(
            "SELECT name FROM tortoise_migrations WHERE app = $1", [APP_LABEL]
        )
    except OperationalError:  # no migration table
        rows = []
    _check_applied(describe(url), {row["name"] for row in rows})


async def open_migrated(url: str) -> None:
    """Tortoise initialised on `url` once it exists and is migrated, else DatabaseNotReady.
    A SQLite file is checked before Tortoise opens it: opening would create it."""
    if is_sqlite(url):
        check_sqlite(sqlite_path(url))
    await init_db(url)
    if is_sqlite(url):
        return
    try:
        await _check_server(url)
    except DatabaseNotReady:
        await close_db()
        raise


async def migrate(url: str) -> None:
    """Create the database (a SQLite file; a PostgreSQL server's database must exist) or
    upgrade it to this version; DatabaseNotReady when it cannot be reached."""
    if is_sqlite(url) and not sqlite_path(url).parent.is_dir():
        raise DatabaseNotReady(f"no directory {sqlite_path(url).parent} to create the database in")
    try:
        await run_migrations(config=tortoise_config(url))
    except (OSError, DBConnectionError, asyncpg.PostgresError) as error:
        raise DatabaseNotReady(f"cannot connect to {describe(url)}: {error}") from None
    finally:
        # An open aiosqlite thread would keep a failed migrate from ever exiting.
        await Tortoise.close_connections()
