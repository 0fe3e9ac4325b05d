"""The most expensive document each kind of caller may send: the catalogue nested in
itself (the shape of the document that once stalled the server), aliased up to the
alias limit and filled up to the caller's cost budget (app/cost.py).

`worst_document(budget)` is that document; `extra=1` makes it one unit costlier than the
budget, still within the alias limit, so it must be refused.
"""

from __future__ import annotations

from functools import cache

from graphql import parse

from app.cost import operation_cost
from app.settings import get_settings
from schema.root import build_schema

# From the costliest to the cheapest; each counts every list by its bound.
UNITS = (
    "tiers { benefits { code name tiers { code } } }",
    "tiers { benefits { code name } }",
    "tiers { code name }",
)
UNIT = UNITS[0]


@cache
def _cost(text: str) -> int:
    settings = get_settings()
    schema = build_schema()._schema
    return operation_cost(schema, parse(text), None, None, settings.max_page_size, 10**15)


def _document(units: list[str]) -> str:
    return "{ " + " ".join(f"a{n}: {unit}" for n, unit in enumerate(units)) + " }"


def worst_document(budget: int, extra: int = 0) -> tuple[str, int]:
    """(document, cost): the costliest aliases of UNITS within `budget`, greedily; with
    `extra`, that many cheapest units upgraded to the next costlier one."""
    aliases = get_settings().max_aliases
    units: list[str] = []
    spent = 1
    for unit in UNITS:
        each = _cost("{ " + unit + " }") - 1
        while len(units) < aliases and spent + each <= budget:
            units.append(unit)
            spent += each
    for _ in range(extra):
        cheapest = max(range(len(units)), key=lambda n: UNITS.index(units[n]))
        units[cheapest] = UNITS[max(UNITS.index(units[cheapest]) - 1, 0)]
    text = _document(units)
    return text, _cost(text)
