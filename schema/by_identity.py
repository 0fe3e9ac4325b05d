"""Values worked out once per parsed object (an operation, a field's nodes, a document).

The parser cache hands out one document per query text, so what is derived from its
nodes is the same on every request that sends that text: it is keyed by the nodes'
identity, which costs nothing, where hashing their value walks every node. Each entry
holds its objects, so their ids are not reused while it lives; the oldest entries go
beyond `kept`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")


class ByIdentity(Generic[V]):
    def __init__(self, kept: int) -> None:
        self.kept = kept
        self.entries: dict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: Sequence[object], extra: Hashable, make: Callable[[], V]) -> V:
        """The value for these objects (and `extra`), made by `make` the first time."""
        key = (*map(id, objects), extra)
        known = self.entries.get(key)
        if known is not None:
            return known[1]
        value = make()
        if len(self.entries) >= self.kept:
            del self.entries[next(iter(self.entries))]
        self.entries[key] = (tuple(objects), value)
        return value
