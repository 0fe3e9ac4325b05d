"""Hand-written SQL that runs on SQLite and PostgreSQL: `?` placeholders, numbered for
PostgreSQL. For the hot reads where Tortoise's rendering of a query (its filters, `Q`
trees, annotations) costs more than the database does (issue 7)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache, partial
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term, ValueWrapper
from pypika_tortoise.utils import format_alias_sql
from tortoise import connections
from tortoise.fields import JSONField
from tortoise.models import Model

_PLACEHOLDER = re.compile(r"\?")


def marks(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values."""
    return ", ".join("?" * count)


class SqlTerm(Term):
    """Hand-written SQL with `?` parameters as a term of a Tortoise query (an annotation):
    Tortoise's RawSQL takes no parameters. Each value becomes a parameter of the query."""

    def __init__(self, text: str, params: Sequence[Any]) -> None:
        super().__init__()
        self.parts = _PLACEHOLDER.split(text)
        if len(self.parts) != len(params) + 1:
            raise ValueError("One parameter for each ? of the text.")
        self.params = tuple(params)

    def get_sql(self, ctx: SqlContext) -> str:
        text = self.parts[0]
        for value, part in zip(self.params, self.parts[1:], strict=True):
            text += ValueWrapper(value).get_sql(ctx) + part
        return format_alias_sql(text, self.alias, ctx) if ctx.with_alias else text


def in_dialect(conn: Any, text: str) -> str:
    """`text` with its `?` placeholders as `conn`'s database writes them."""
    if conn.capabilities.dialect != "postgres":
        return text
    numbers = iter(range(1, text.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", text)


async def fetch_dicts(conn: Any, text: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run a statement (SELECT, or a write with RETURNING) and return its rows; `conn`
    None is the default connection (or the transaction in progress)."""
    conn = conn or connections.get("default")
    return list(await conn.execute_query_dict(in_dialect(conn, text), list(params)))


@cache
def _insert_columns(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """(attribute, column) of what an INSERT of `model` writes: every field but a
    generated key, as Tortoise's own insert; worked out once per model."""
    meta = model._meta
    return tuple(
        (attr, column)
        for attr, column in meta.fields_db_projection.items()
        if not meta.fields_map[attr].generated
    )


def _stored(instance: Model, columns: Sequence[tuple[str, str]]) -> list[Any]:
    # The fields' own conversion, given the instance: defaults and auto_now as in save().
    fields_map = instance._meta.fields_map
    return [fields_map[attr].to_db_value(getattr(instance, attr), instance) for attr, _ in columns]


@lru_cache(maxsize=256)
def _insert_text(model: type[Model], columns: tuple[tuple[str, str], ...], rows: int) -> str:
    """Written once per model and number of rows: an audit batch is 16 rows of 18 columns."""
    names = ", ".join(f'"{column}"' for _, column in columns)
    row = f"({marks(len(columns))})"
    return f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES {", ".join([row] * rows)}'


async def insert(conn: Any, instance: Model) -> None:
    """`instance.save(using_db=conn)` for a new row, in one statement: the generated key
    comes back by RETURNING (Tortoise's SQLite insert asks for it with a second)."""
    model = type(instance)
    columns = _insert_columns(model)
    pk_column = model._meta.db_pk_column
    text = _insert_text(model, columns, 1) + f' RETURNING "{pk_column}"'
    rows = await fetch_dicts(conn, text, _stored(instance, columns))
    instance.pk = rows[0][pk_column]
    instance._saved_in_db = True


@cache
def _conversions(model: type[Model]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """(attribute, conversion to its stored value) for each column an INSERT of `model`
    writes. A JSON field's Python value is encoded straight by the field's encoder: its
    `to_db_value` validates by encoding, then encodes again."""
    fields_map = model._meta.fields_map
    return tuple((attr, _conversion(fields_map[attr])) for attr, _ in _insert_columns(model))


def _conversion(field: Any) -> Callable[[Any], Any]:
    if isinstance(field, JSONField):
        encode = _encoder_made_once(field.encoder)
        return lambda value: None if value is None else encode(value)
    return partial(field.to_db_value, instance=None)


def _encoder_made_once(encode: Callable[[Any], str]) -> Callable[[Any], str]:
    """`json.dumps` given options (Tortoise's default encoder) builds a JSONEncoder per
    call, half its time for a short list: the same encoder, built once."""
    if (
        isinstance(encode, partial)
        and encode.func is json.dumps
        and not encode.args
        and "cls" not in encode.keywords
    ):
        return json.JSONEncoder(**encode.keywords).encode
    return encode


async def insert_rows(
    conn: Any, model: type[Model], rows: Sequence[Any], returning: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """New rows of `model` in one INSERT, from objects that carry its fields as attributes
    (no model is built for them, and no default applied); the columns `returning` names
    of each new row, in no set order."""
    if not rows:
        return []
    conversions = _conversions(model)
    values = [convert(getattr(row, attr)) for row in rows for attr, convert in conversions]
    text = _insert_text(model, _insert_columns(model), len(rows))
    if returning:
        text += " RETURNING " + ", ".join(f'"{column}"' for column in returning)
    return await fetch_dicts(conn, text, values)
