"""Relations a list loads ahead, one batch per relation, before graphql-core walks its rows.

A relation field that awaits its loader costs graphql-core a task and a gather per row,
most of a wide page's time. After a prefetch, each such field finds its value already
in the request's loader and completes in place. The query's selection decides what is
loaded: nothing it does not ask for, and a relation the caller may not read is still
refused by its field's guard when the field resolves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, Undefined
from strawberry.types.nodes import SelectedField, Selection

if TYPE_CHECKING:
    from strawberry.dataloader import DataLoader

    from resolvers.loaders import Loaders
    from schema.context import Info

# GraphQL type name of each Tortoise model a `model_type` serves (schema/common.py).
TYPE_OF_MODEL: dict[type, str] = {}


@dataclass(frozen=True)
class Relation:
    """A field answered by a request loader, under a key taken from its row."""

    loader: Callable[[Loaders], DataLoader[Any, Any]]
    key: Callable[[Any], Any]  # the loader's key for a row (None: no related value)
    pick: Callable[[Any], Any] | None = None  # a part of the loaded value, e.g. one figure

    def resolve(self, row: Any, info: Info | GraphQLResolveInfo, **_: Any) -> Any:
        """The value itself when this request has loaded it, else its pending load."""
        value = self.loaded(row, info.context)
        if value is not Undefined:
            return value
        pending = self.loader(info.context.loaders).load(self.key(row))
        return self._picked(pending) if self.pick else pending

    def loaded(self, row: Any, context: Any) -> Any:
        """The value when this request has loaded it already, else Undefined."""
        key = self.key(row)
        if key is None:
            return None
        future = self.loader(context.loaders).cache_map.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return Undefined
        value = future.result()
        return self.pick(value) if self.pick else value

    async def _picked(self, pending: Any) -> Any:
        assert self.pick is not None
        return self.pick(await pending)


RELATIONS: dict[tuple[str, str], Relation] = {}


def relation(
    owner: str,
    field: str,
    loader: Callable[[Loaders], DataLoader[Any, Any]],
    key: Callable[[Any], Any],
    pick: Callable[[Any], Any] | None = None,
) -> Relation:
    """Declare `owner.field` as a loader relation that lists prefetch."""
    RELATIONS[(owner, field)] = found = Relation(loader, key, pick)
    return found


def install(schema: GraphQLSchema) -> None:
    """Resolve relation fields straight from their loaders: strawberry's wrapper around
    a resolver (an Info, argument conversion, an extension chain) is skipped, and what
    the strawberry method would do is exactly this."""
    for (type_name, field_name), found in RELATIONS.items():
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        graphql_type.fields[field_name].resolve = found.resolve


async def prefetch(loaders: Loaders, rows: Sequence[Any], selections: list[Selection]) -> None:
    """Load every selected relation of `rows` in one batch each, then theirs in turn."""
    by_type: dict[str, list[Any]] = {}
    for row in rows:
        type_name = TYPE_OF_MODEL.get(type(row))
        if type_name is not None:
            by_type.setdefault(type_name, []).append(row)
    for type_name, typed_rows in by_type.items():
        for selected in _fields(selections):
            found = RELATIONS.get((type_name, selected.name))
            if found is None:
                continue
            keys = {found.key(row) for row in typed_rows} - {None}
            try:
                values = await found.loader(loaders).load_many(keys)
            except Exception:  # noqa: BLE001 - the field reports it, in its own place
                continue
            if found.pick is None and selected.selections:
                await prefetch(loaders, list(_rows(values)), selected.selections)


async def prefetch_selected(info: Info, rows: Sequence[Any], *path: str) -> None:
    """Prefetch for `rows` what the current field selects under `path` (e.g. "node")."""
    fields = list(_fields(info.selected_fields))
    for name in path:
        fields = [child for field in fields for child in _fields(field.selections)]
        fields = [field for field in fields if field.name == name]
    await prefetch(info.context.loaders, rows, [s for field in fields for s in field.selections])


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    """Selected fields, with those of fragments spread in place."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def _rows(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value
