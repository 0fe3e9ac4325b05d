"""Relations a list loads ahead, one batch per relation, before graphql-core walks its rows.

A relation field that awaits its loader costs graphql-core a task and a gather per row,
most of a wide page's time. After a prefetch, each such field finds its value already
in the request's loader and completes in place. The query's selection decides what is
loaded: nothing it does not ask for, and a relation the caller may not read is still
refused by its field's guard when the field resolves.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)
from strawberry.dataloader import DataLoader, DefaultCache

from shortcuts.by_identity import ByIdentity
from shortcuts.fields import object_fields

K = TypeVar("K")
V = TypeVar("V")

# GraphQL type name of each Tortoise model a type serves (`serve_model`).
TYPE_OF_MODEL: dict[type, str] = {}


def serve_model(model: type, type_name: str) -> None:
    """Rows of `model` are answered as the GraphQL type `type_name`: a list's prefetch and
    columns find their fields by it."""
    TYPE_OF_MODEL[model] = type_name


# The metadata keys of a field declared here: its Relation, or the attributes of its row
# a computed field reads (`reads`), or how an object field's value may be found already
# made: metadata[AT_HAND](source, context) is the value, or Undefined when the resolver
# must run (shortcuts/execution.py completes it in place).
RELATION = "shortcuts.relation"
READS = "shortcuts.reads"
AT_HAND = "shortcuts.at_hand"


def started(loader: DataLoader[K, V], key: K) -> Future[V] | None:
    """The load of `key` this request has started, done or not; None if none has."""
    cache = loader.cache_map
    # The default cache keeps the futures in a dict under the keys as loaded (no loader
    # here is given a cache_key_fn): read directly, as this runs for rows of a page.
    futures = cache.cache_map if type(cache) is DefaultCache else cache
    return futures.get(key)


@dataclass(frozen=True)
class Relation:
    """A field answered by a request loader, under a key taken from its row."""

    loader: Callable[[Any], DataLoader[Any, Any]]  # the request's loader, from its loaders
    key: Callable[[Any], Any]  # the loader's key for a row (None: no related value)
    pick: Callable[[Any], Any] | None = None  # a part of the loaded value, e.g. one figure
    reads: tuple[str, ...] | None = None  # the row's attributes the key is made of, if known

    def resolve(self, row: Any, info: Any, **_: Any) -> Any:
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
        future = started(self.loader(context.loaders), key)
        if future is None or not future.done():
            return Undefined
        try:
            value = future.result()
        except BaseException:  # noqa: BLE001 - a failed load: the field reports it, in its place
            return Undefined
        return self.pick(value) if self.pick else value

    async def _picked(self, pending: Any) -> Any:
        assert self.pick is not None
        return self.pick(await pending)


def relation(
    loader: Callable[[Any], DataLoader[Any, Any]],
    key: str | Callable[[Any], Any],
    pick: Callable[[Any], Any] | None = None,
    **field: Any,
) -> Any:
    """A field (strawberry's, given `field`: description, name) answered by the request's
    `loader` under the row's `key`: an attribute of the row (named) or what a function
    makes of it. Lists load it for all their rows at once (`prefetch`); its type is the
    class annotation, e.g. `tier: Tier = relation(attrgetter("tier_by_id"), "tier_id")`."""
    if isinstance(key, str):
        found = Relation(loader, attrgetter(key), pick, reads=(key,))
    else:
        found = Relation(loader, key, pick)

    def resolve(root: strawberry.Parent[Any], info: strawberry.Info) -> Any:
        return found.resolve(root, info)

    return strawberry.field(resolver=resolve, metadata={RELATION: found}, **field)


def reads(*attributes: str) -> dict[str, tuple[str, ...]]:
    """A computed field's metadata: the attributes of its row it is computed from, so a
    page reads those columns only (shortcuts/columns.py)."""
    return {READS: attributes}


# Every relation of the schema by (type name, field name), found once at start-up.
RELATIONS: dict[tuple[str, str], Relation] = {}


def install(schema: strawberry.Schema) -> None:
    """Find the relations among the schema's fields, and resolve each straight from its
    loader: strawberry's wrapper around a resolver (an Info, argument conversion, an
    extension chain) is skipped, and what it would call is exactly this."""
    for type_name, name, field, graphql_field in object_fields(schema):
        found = field.metadata.get(RELATION)
        if found is not None:
            RELATIONS[(type_name, name)] = found
            graphql_field.resolve = found.resolve


# A selection as prefetch reads it: each field's name and its own selection, with
# fragments spread in place.
Selected = tuple[tuple[str, "Selected"], ...]


async def prefetch(loaders: Any, rows: Sequence[Any], selection: Selected) -> None:
    """Load every selected relation of `rows` in one batch each, then theirs in turn."""
    by_type: dict[str, list[Any]] = {}
    for row in rows:
        type_name = TYPE_OF_MODEL.get(type(row))
        if type_name is not None:
            by_type.setdefault(type_name, []).append(row)
    for type_name, typed_rows in by_type.items():
        for name, below in selection:
            found = RELATIONS.get((type_name, name))
            if found is None:
                continue
            keys = {found.key(row) for row in typed_rows} - {None}
            try:
                values = await load_all(found.loader(loaders), keys)
            except Exception:  # noqa: BLE001 - the field reports it, in its own place
                continue
            if found.pick is None and below:
                await prefetch(loaders, list(_rows(values)), below)


async def load_all(loader: DataLoader[Any, Any], keys: Iterable[Any]) -> list[Any]:
    """`loader.load_many(keys)` without its gather: one done-callback and trip through
    the event loop per key (a hundred for a page). The loads still join the loader's
    batch, with those of other rows and lists resolving at the same time; they all
    settle together, so only the first await waits."""
    pending = [loader.load(key) for key in keys]
    return [await future for future in pending]


async def prefetch_selected(info: Any, rows: Sequence[Any], *path: str) -> None:
    """Prefetch for `rows` what the current field selects under `path` (e.g. "node")."""
    raw = info._raw_info
    await prefetch(info.context.loaders, rows, selected_under(raw.field_nodes, raw.fragments, path))


# A field's selection, worked out once per document rather than per request
# (strawberry's `selected_fields` builds its whole tree each time).
_SELECTED: ByIdentity[Selected] = ByIdentity(kept=512)


def selected_under(
    field_nodes: Sequence[FieldNode],
    fragments: Mapping[str, FragmentDefinitionNode],
    path: tuple[str, ...],
) -> Selected:
    def make() -> Selected:
        selection = _selection([node.selection_set for node in field_nodes], fragments)
        for name in path:
            selection = tuple(item for field, below in selection if field == name for item in below)
        return selection

    return _SELECTED.get(field_nodes, path, make)


def _selection(
    sets: Iterable[SelectionSetNode | None], fragments: Mapping[str, FragmentDefinitionNode]
) -> Selected:
    """The fields of `sets` as one Selected."""
    return tuple(item for each in sets if each is not None for item in _fields(each, fragments))


def _fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterable[tuple[str, Selected]]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value, _selection([selection.selection_set], fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)


def _rows(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value
