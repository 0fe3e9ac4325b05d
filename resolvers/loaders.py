"""DataLoaders, one per relation, built fresh for every request (STYLE §2).

Each batch function runs one `id__in` query and answers in key order, None or []
for gaps. The common ones are attributes; a domain keeps its batch functions in its
own module and gets the request's loader for one with `loaders.get(batch_fn)`.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import ref

from strawberry.dataloader import DataLoader, DefaultCache
from tortoise.models import Model

from models.member import Member
from models.staff import StaffUser
from models.tier import Tier
from services.tiers import ladder
from shortcuts import rows_in

M = TypeVar("M", bound=Model)
K = TypeVar("K")
V = TypeVar("V")


def by_id(model: type[M]) -> Callable[[Sequence[int]], Any]:
    async def load(keys: Sequence[int]) -> list[M | None]:
        # Every model here has an integer id (Tortoise's Model does not declare it).
        rows = {row.id: row for row in await rows_in(model, "id", keys)}  # type: ignore[attr-defined]
        return [rows.get(key) for key in keys]

    return load


def group_by(rows: Iterable[M], attr: str, keys: Sequence[Any]) -> list[list[M]]:
    """Rows grouped under the key each holds in `attr`, in the order of `keys`."""
    groups: dict[Any, list[M]] = {key: [] for key in keys}
    for row in rows:
        groups.setdefault(getattr(row, attr), []).append(row)
    return [groups[key] for key in keys]


def started(loader: DataLoader[K, V], key: K) -> Future[V] | None:
    """The load of `key` this request has started, done or not; None if none has."""
    cache = loader.cache_map
    # The default cache keeps the futures in a dict under the keys as loaded (no loader
    # here is given a cache_key_fn): read directly, as this runs for rows of a page.
    futures = cache.cache_map if type(cache) is DefaultCache else cache
    return futures.get(key)


def _loader(load: Callable[[Sequence[Any]], Any]) -> Any:
    return field(default_factory=lambda: DataLoader(load_fn=load))


def _ladder() -> DataLoader[int, Tier | None]:
    """Tiers by id, the whole ladder read at the first load: it is a handful of rows, and
    a member screen asks for the member's tier and then for those of its history."""

    async def load(keys: Sequence[int]) -> list[Tier | None]:
        tiers = {tier.id: tier for tier in await ladder()}
        primed = {tier_id: tier for tier_id, tier in tiers.items() if tier_id not in keys}
        # Alive: it is the loader running this batch.
        loader_ref().prime_many(primed)  # type: ignore[union-attr]
        return [tiers.get(key) for key in keys]

    loader: DataLoader[int, Tier | None] = DataLoader(load_fn=load)
    # Weakly: the loader holds this function, and a cycle would keep the request's rows
    # until the collector ran (shortcuts/execution.py, point 5).
    loader_ref = ref(loader)
    return loader


@dataclass
class Loaders:
    staff_by_id: DataLoader[int, StaffUser | None] = _loader(by_id(StaffUser))
    tier_by_id: DataLoader[int, Tier | None] = field(default_factory=_ladder)
    member_by_id: DataLoader[int, Member | None] = _loader(by_id(Member))
    _by_function: dict[Callable[..., Any], DataLoader[Any, Any]] = field(default_factory=dict)
    # A member's request: their tags are those visible to members (schema/tags.py).
    visible_tags_only: bool = False

    def get(self, batch: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
        """This request's loader for a module-level batch function (created on first use)."""
        loader = self._by_function.get(batch)
        if loader is None:
            loader = self._by_function[batch] = DataLoader(load_fn=batch)
        return loader
