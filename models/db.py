"""Database configuration and start-up: one place that turns the URL into Tortoise config."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url

from core.settings import get_settings
from models import MODEL_MODULES

APP_LABEL = "models"
MIGRATIONS_MODULE = "models.migrations"

# A writer waits this long for another process's write lock before giving up;
# callers retry past it (services/db.py) so clients never see "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def connection_config(url: str, *, testing: bool = False) -> dict[str, Any]:
    conn = expand_db_url(url, testing=testing)
    if is_sqlite(url):
        conn["engine"] = "shortcuts.sqlite"  # Tortoise's, reading in the loop's thread
        conn["credentials"].update(
            {
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
                # Erased personal data must not survive in free pages (DESIGN §2).
                "secure_delete": "ON",
                "foreign_keys": "ON",
                # What the log is cut back to when it starts over; the checkpoints keep it
                # under this (shortcuts/sqlite.py Checkpointer).
                "journal_size_limit": get_settings().sqlite_wal_limit_mb * 2**20,
            }
        )
    return conn


def tortoise_config(url: str, *, testing: bool = False) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(url, testing=testing)},
        "apps": {
            APP_LABEL: {
                "models": list(MODEL_MODULES),
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def dialect() -> str:
    return connections.get("default").capabilities.dialect


async def init_db(url: str) -> None:
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()
