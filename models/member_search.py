"""The index member search answers through (issue 28): on SQLite an FTS5 table of trigrams
kept in step with `member` by triggers, on PostgreSQL pg_trgm GIN indexes. Installed by
migration 0017; the tests, which build the schema from the models, install it too."""

from __future__ import annotations

from typing import Any

SEARCH_TABLE = "member_search"
# The searched columns of `member` and their longest value (Member's max_length): the
# grams cover values up to that length.
SEARCHED = {"name": 128, "phone": 32, "email": 254}
# Closes every short gram: a trigram holding it before the last place is never a query's.
GRAM_END = "\x1f"


def grams_column(column: str) -> str:
    """The FTS column holding `column`'s one- and two-character grams."""
    return f"{column}_grams"


_POSITIONS = f"{SEARCH_TABLE}_positions"


def _grams(value: str) -> str:
    # Trigrams cannot find a term of 1 or 2 characters, so each position i contributes the
    # unigram `c GRAM_END GRAM_END` and the bigram `c c' GRAM_END`: a short term is then a
    # whole trigram, wherever in the column (their order does not matter). A trigger can
    # run no CTE, so the positions come from a table of numbers; writing one expression
    # per position instead made triggers of 60 kB that every new connection parsed
    # (40 ms). lower() is ASCII-only, as LIKE's case folding; the tokenizer folds the rest.
    return (
        "(SELECT group_concat(substr(v, i, 1) || x'1f1f' || substr(v, i, 2) || x'1f', '')"
        f" FROM {_POSITIONS}, (SELECT lower({value}) AS v) WHERE i <= length(v))"
    )


def _row_values(row: str) -> str:
    clear = [f"{row}{column}" for column in SEARCHED]
    grams = [_grams(f"{row}{column}") for column in SEARCHED]
    return ", ".join(clear + grams)


_COLUMNS = ", ".join([*SEARCHED, *map(grams_column, SEARCHED)])
_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in SEARCHED)
_SQLITE = [
    f"CREATE TABLE IF NOT EXISTS {_POSITIONS} (i INTEGER PRIMARY KEY)",
    f"""INSERT OR IGNORE INTO {_POSITIONS}(i) WITH RECURSIVE n(i) AS
    (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {max(SEARCHED.values())}) SELECT i FROM n""",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5({_COLUMNS}, tokenize='trigram')",
    # In the writing statement's transaction: no code path can leave the index behind.
    f"""CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_insert AFTER INSERT ON member BEGIN
    INSERT INTO {SEARCH_TABLE}(rowid, {_COLUMNS}) VALUES (NEW.id, {_row_values("NEW.")});
    END""",
    # A save() writes every column: only a change of a searched one rewrites the row.
    f"""CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_update
    AFTER UPDATE OF {", ".join(SEARCHED)} ON member WHEN {_CHANGED} BEGIN
    DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.id;
    INSERT INTO {SEARCH_TABLE}(rowid, {_COLUMNS}) VALUES (NEW.id, {_row_values("NEW.")});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_delete AFTER DELETE ON member BEGIN
    DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.id;
    END""",
    f"DELETE FROM {SEARCH_TABLE}",
    f"INSERT INTO {SEARCH_TABLE}(rowid, {_COLUMNS}) SELECT id, {_row_values('')} FROM member",
]
# upper() as Tortoise's icontains (`UPPER(col) LIKE UPPER(pattern)`), so the indexed
# expression finds every member today's filter does. Phone is matched case-sensitively.
PG_INDEXED = {"name": "upper(name)", "phone": "phone", "email": "upper(email)"}
_POSTGRES = [
    # Trusted since PostgreSQL 13: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS member_{column}_trgm ON member"
        f" USING gin ({expression} gin_trgm_ops)"
        for column, expression in PG_INDEXED.items()
    ),
]


async def install_search_index(conn: Any) -> None:
    """Create the search index and fill it from the members there are (idempotent)."""
    statements = _SQLITE if conn.capabilities.dialect == "sqlite" else _POSTGRES
    for statement in statements:
        await conn.execute_script(statement)


async def optimize_search_index(conn: Any) -> None:
    """Merge SQLite's FTS5 index into one segment: until then older segments still hold
    the tokens of values since overwritten, erased ones too; secure_delete zeroes their
    pages once freed. (PostgreSQL's VACUUM after erasure cleans its GIN indexes.)"""
    await conn.execute_script(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES('optimize')")
