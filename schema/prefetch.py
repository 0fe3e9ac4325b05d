"""Relations a list loads ahead, one batch per relation, before graphql-core walks its rows.

A relation field that awaits its loader costs graphql-core a task and a gather per row,
most of a wide page's time. After a prefetch, each such field finds its value already
in the request's loader and completes in place. The query's selection decides what is
loaded: nothing it does not ask for, and a relation the caller may not read is still
refused by its field's guard when the field resolves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)

from resolvers.loaders import started
from schema.by_identity import ByIdentity

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
    reads: tuple[str, ...] | None = None  # the row's attributes the key is made of, if known

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


RELATIONS: dict[tuple[str, str], Relation] = {}

# The metadata key of an object field whose value its resolver may find already made:
# metadata[AT_HAND](source, context) is the value, or Undefined when the resolver must
# run (schema/execution.py completes it in place).
AT_HAND = "memberhub.at_hand"


def relation(
    owner: str,
    field: str,
    loader: Callable[[Loaders], DataLoader[Any, Any]],
    key: str | Callable[[Any], Any],
    pick: Callable[[Any], Any] | None = None,
) -> Relation:
    """Declare `owner.field` as a loader relation that lists prefetch, keyed by an
    attribute of its row (named) or by what a function makes of the row."""
    if isinstance(key, str):
        found = Relation(loader, attrgetter(key), pick, reads=(key,))
    else:
        found = Relation(loader, key, pick)
    RELATIONS[(owner, field)] = found
    return found


def install(schema: GraphQLSchema) -> None:
    """Resolve relation fields straight from their loaders: strawberry's wrapper around
    a resolver (an Info, argument conversion, an extension chain) is skipped, and what
    the strawberry method would do is exactly this."""
    for (type_name, field_name), found in RELATIONS.items():
        graphql_type = schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        graphql_type.fields[field_name].resolve = found.resolve


# A selection as prefetch reads it: each field's name and its own selection, with
# fragments spread in place.
Selected = tuple[tuple[str, "Selected"], ...]


async def prefetch(loaders: Loaders, rows: Sequence[Any], selection: Selected) -> None:
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


async def prefetch_selected(info: Info, rows: Sequence[Any], *path: str) -> None:
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
