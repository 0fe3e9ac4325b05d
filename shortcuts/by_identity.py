"""Values worked out once per parsed object (an operation, a field's nodes, a document).

The parser cache hands out one document per query text, so what is derived from its
nodes is the same on every request that sends that text: it is keyed by the nodes'
identity, which costs nothing, where hashing their value walks every node.

An entry lives no longer than its objects: it goes when one of them is collected (so
its id is never reused while the entry lives), and so what a document leaves here is
bounded by what keeps the document (the parse cache, in bytes as well as entries; a
request). At most `kept` entries live at once, the oldest going first.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    def __init__(self, kept: int) -> None:
        self.kept = kept
        # Each value with the finalizers that drop it when one of its objects goes: one
        # per object and entry, detached when the entry goes first.
        self.entries: dict[
            tuple[Hashable, ...], tuple[V, tuple[weakref.finalize[Any, Any], ...]]
        ] = {}

    def get(self, objects: Sequence[object], extra: Hashable, make: Callable[[], V]) -> V:
        """The value for these objects (and `extra`, held as it is), made by `make` the
        first time."""
        key = (*map(id, objects), extra)
        known = self.entries.get(key)
        if known is not None:
            return known[0]
        value = make()
        if len(self.entries) >= self.kept:
            self._forget(next(iter(self.entries)))
        finalizers = tuple(weakref.finalize(each, self._forget, key) for each in objects)
        self.entries[key] = (value, finalizers)
        return value

    def _forget(self, key: tuple[Hashable, ...]) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            for finalizer in entry[1]:
                finalizer.detach()
