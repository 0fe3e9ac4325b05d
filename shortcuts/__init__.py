"""The read path's shortcuts past our libraries' machinery, and the one way to install them.

strawberry, graphql-core and Tortoise answer every field, row and request through general
machinery that cost this server half its speed (issue 7). Each module here takes one cost
out where the answer is provably the same, and keeps the library's own path for anything
out of the ordinary:

- execution: graphql-core's field loop, with plain columns, relations already loaded and
  objects in hand completed in place (`FastExecution`);
- direct: resolver methods with plain arguments called without strawberry's wrapper;
- relations: relation fields a list loads for all its rows at once (`relation`, `prefetch`);
- columns: a page reads the columns its selected fields need (`reads`, `narrowed`);
- documents, by_identity: parsing and validation worked out once per document rather
  than per request;
- rows, sqlite, shapes, sql, keyed_pages: model rows built from query results, SQLite
  statements in the loop's thread, batched reads rendered once per shape;
- view: a POST of one operation answered without the steps of strawberry's `run` it
  does not need.

schema/ and resolvers/ use the names of `__all__` below, and nothing else of this
package: declaring a type's fields takes `relation` (a field answered by a request
loader) and `reads` (the columns a computed field reads); the rest serve lists and
pages (schema/pagination.py). The schema is built with `FastExecution` as its execution
context, and `install` is called on it once (schema/root.py). services/ read the SQL
helpers (`rows`, `shapes`, `sql`) from their modules.

Every private or internal name of a library used here is listed, with what it is for, in
shortcuts/private_names.py; docs/upgrading.md says what to re-read on an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSchema

from shortcuts import columns, direct, relations
from shortcuts.columns import narrowed
from shortcuts.documents import parsed, several_unnamed, validated
from shortcuts.execution import FastExecution, Guard, shortcut_fields
from shortcuts.fields import object_fields
from shortcuts.keyed_pages import CountKey, PageKey, load_counts, load_pages, pages_by_parent
from shortcuts.relations import AT_HAND, prefetch_selected, reads, relation, serve_model
from shortcuts.rows import fetch_all
from shortcuts.shapes import rows_in

# What schema/ and resolvers/ use; services read the SQL helpers (rows, shapes, sql)
# and app/ and auth/ the document caches from their modules.
__all__ = [
    # building the schema
    "FastExecution",
    "install",
    "object_fields",
    # declaring types: relations, computed fields, model-backed types
    "AT_HAND",
    "reads",
    "relation",
    "serve_model",
    # lists: what a page reads and loads ahead, keyed pages of many parents at once
    "CountKey",
    "PageKey",
    "fetch_all",
    "load_counts",
    "load_pages",
    "narrowed",
    "pages_by_parent",
    "prefetch_selected",
    "rows_in",
    # documents: parsed and validated once
    "parsed",
    "several_unnamed",
    "validated",
]


def install(
    schema: strawberry.Schema,
    *,
    wrappers: Iterable[Callable[[strawberry.Schema], object]],
    guard: Callable[[GraphQLSchema], Mapping[tuple[str, str], Guard]],
    hides_schema_from: Callable[[Any], bool],
    is_meant: Callable[[GraphQLError], bool],
) -> None:
    """Install the shortcuts on `schema` (built with
    `execution_context_class=FastExecution`), in the only order that works:

    1. relation fields resolve straight from their loaders, and
    2. methods with plain arguments are bound without strawberry's wrapper: both replace
       graphql-core resolvers, so they come before anything wraps those;
    3. what each field reads of its row is worked out (relations read their keys);
    4. `wrappers` wrap the resolvers so bound (e.g. input checks), then
    5. `guard` wraps them all, outermost, and returns its guards by (type, field);
    6. the execution's shortcuts are worked out last, with those guards: a shortcut skips
       the resolver, so it runs the field's guard itself.

    `hides_schema_from(context)` says whether a caller gets errors without "Did you
    mean ..." suggestions; `is_meant(error)` whether an error was raised on purpose (its
    traceback is dropped once execution is done, see shortcuts/execution.py).
    """
    relations.install(schema)
    direct.install(schema)
    columns.install(schema)
    for wrap in wrappers:
        wrap(schema)
    guards = guard(schema._schema)
    FastExecution.fields = shortcut_fields(schema, guards)
    FastExecution.hides_schema_from = staticmethod(hides_schema_from)
    FastExecution.is_meant = staticmethod(is_meant)
