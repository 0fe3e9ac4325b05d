"""Counts the SQL statements a block sends, from Tortoise's own query log, in the steady
state: the reference data every process keeps in memory (services/reference_data.py) is
read before counting, as any earlier request would have."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from services.reference_data import reference_data

_QUERY_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "BEGIN", "SAVEPOINT")


@dataclass
class SqlCounter(logging.Handler):
    statements: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, level=logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.upper().startswith(_QUERY_WORDS):
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)

    __hash__ = logging.Handler.__hash__


@asynccontextmanager
async def count_sql() -> AsyncIterator[SqlCounter]:
    await reference_data()
    logger = logging.getLogger("tortoise.db_client")
    counter = SqlCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
