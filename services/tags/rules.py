"""The tag rule language (DESIGN §2 "Tags"): checked at proposal, compiled to SQL.

A rule is JSON, never evaluated as code: `{"all": [...]}`, `{"any": [...]}`,
`{"not": ...}` over conditions `{"field": F, "op": OP, "value": V}`. Compiled
conditions read the member row `m`, its tier `t` and its purchase facts `p`
(services/tags/sql.py builds those), with `?` placeholders for every value. A rule
compiles the same at every instant: the values that depend on the instant it is
evaluated at (the bounds of an age or of days elapsed) stay `FromClock` parameters
until `at_clock` works them out, so a rule is compiled once, not after every purchase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import isfinite
from typing import Any

from models.enums import Gender, LifecycleStage
from services.clock import as_utc, local_date
from services.errors import Invalid
from services.stage_sql import STAGE_CASE, VIP_PARAMS, stage_bounds

Path = tuple[str, ...]
COMPARISONS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
OPS = (*COMPARISONS, "between", "in")
# Bounds keep a hostile rule from becoming a huge query or overflowing an INTEGER parameter.
MAX_DEPTH = 8
MAX_CONDITIONS = 50
MAX_LIST = 100
MAX_INTEGER = 2_000_000_000
MAX_AMOUNT = Decimal("999999999999.99")
MAX_TEXT = 64
MAX_DAYS = 36_500
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sql:
    """A SQL fragment, its `?` parameters in order, and the fact sources it reads."""

    text: str
    params: tuple[Any, ...] = ()
    sources: frozenset[str] = field(default_factory=frozenset)


def _join(parts: Sequence[Sql], word: str) -> Sql:
    return Sql(
        "(" + f" {word} ".join(p.text for p in parts) + ")",
        tuple(v for p in parts for v in p.params),
        frozenset().union(*(p.sources for p in parts)),
    )


@dataclass(frozen=True)
class FromClock:
    """A parameter worked out from the evaluation instant: the bound of `units` elapsed."""

    bound: Callable[[Clock, int], date | datetime]
    units: int


def at_clock(sql: Sql, clock: Clock) -> Sql:
    """`sql` with its FromClock parameters worked out for `clock`."""
    params = tuple(
        param.bound(clock, param.units) if type(param) is FromClock else param
        for param in sql.params
    )
    return Sql(sql.text, params, sql.sources)


def _bad(message: str, path: Path) -> Invalid:
    return Invalid(message, path)


# ---------------------------------------------------------------- fields


@dataclass(frozen=True)
class Number:
    """A numeric fact compared directly (counts, points, money)."""

    column: str
    integer: bool
    source: str = "m"

    def check(self, op: str, value: Any, path: Path) -> None:
        _check_operands(op, value, path, self._check_one, allow_null=False)
        if op == "between" and value[0] > value[1]:
            raise _bad("between needs [low, high] with low <= high.", (*path, "value"))

    def _check_one(self, value: Any, path: Path) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value):
            raise _bad("This field compares with a number.", path)
        if self.integer and not isinstance(value, int):
            raise _bad("This field compares with a whole number.", path)
        if abs(value) > (MAX_INTEGER if self.integer else MAX_AMOUNT):
            raise _bad("The number is out of range.", path)

    def shown(self, stored: Any, clock: Clock) -> int | float | None:
        """The value as a rule writes it (a JSON number): exact cents for money."""
        if stored is None:
            return None
        return int(stored) if self.integer else float(Decimal(str(stored)).quantize(CENT))

    def compile(self, op: str, value: Any) -> Sql:
        convert: Callable[[Any], Any] = int if self.integer else (lambda v: Decimal(str(v)))
        values = value if isinstance(value, list) else [value]
        params = tuple(convert(v) for v in values)
        if op == "between":
            text = f"{self.column} BETWEEN ? AND ?"
        elif op == "in":
            text = f"{self.column} IN ({', '.join('?' for _ in params)})"
        else:
            text = f"{self.column} {COMPARISONS[op]} ?"
        return Sql(text, params, frozenset({self.source}))


@dataclass(frozen=True)
class Elapsed:
    """Whole units (years of age, days) elapsed since a stored instant or date.

    Compiled to comparisons of the stored value itself, never of arithmetic on it,
    so the SQL is the same on SQLite and PostgreSQL and can use indexes:
    elapsed >= n  <=>  stored <= bound(n).
    """

    column: str
    bound: Callable[[Clock, int], date | datetime]
    limit: int
    source: str = "m"

    def check(self, op: str, value: Any, path: Path) -> None:
        _check_operands(op, value, path, self._check_one, allow_null=True)
        if op == "between" and value[0] > value[1]:
            raise _bad("between needs [low, high] with low <= high.", (*path, "value"))

    def _check_one(self, value: Any, path: Path) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad("This field compares with a whole number.", path)
        if not 0 <= value <= self.limit:
            raise _bad(f"The number must lie between 0 and {self.limit}.", path)

    def shown(self, stored: Any, clock: Clock) -> int | None:
        """Whole units elapsed since `stored` at `clock`, by the bound the compiled
        comparisons use (elapsed >= n  <=>  stored <= bound(n)): the largest such n."""
        if stored is None:
            return None
        since = _stored_as(stored, self.bound(clock, 0))
        low, high = 0, self.limit
        while low < high:
            middle = (low + high + 1) // 2
            if since <= self.bound(clock, middle):
                low = middle
            else:
                high = middle - 1
        return low

    def compile(self, op: str, value: Any) -> Sql:
        sources = frozenset({self.source})
        if value is None:
            return Sql(f"{self.column} IS {'NOT ' if op == 'ne' else ''}NULL", (), sources)
        if op == "in":
            return _join([self.compile("eq", v) for v in value], "OR")
        if op == "between":
            return self._range(value[0], value[1], sources)
        if op in ("eq", "ne"):
            inside = self._range(value, value, sources)
            return inside if op == "eq" else Sql(f"NOT {inside.text}", inside.params, sources)
        # gt n is gte n+1; lte n is lt n+1: elapsed units are whole numbers.
        if op in ("gte", "gt"):
            at_least = value if op == "gte" else value + 1
            return Sql(f"{self.column} <= ?", (FromClock(self.bound, at_least),), sources)
        below = value if op == "lt" else value + 1
        return Sql(f"{self.column} > ?", (FromClock(self.bound, below),), sources)

    def _range(self, low: int, high: int, sources: frozenset[str]) -> Sql:
        params = (FromClock(self.bound, low), FromClock(self.bound, high + 1))
        return Sql(f"({self.column} <= ? AND {self.column} > ?)", params, sources)


class _ShownAsStored:
    """A field whose member value is shown as stored (a choice, an address)."""

    def shown(self, stored: Any, clock: Clock) -> Any:
        return stored


@dataclass(frozen=True)
class Choice(_ShownAsStored):
    """One of a fixed set of values (gender), of a column or of an expression with
    parameters of its own (`params`, FromClock ones among them: the lifecycle stage)."""

    column: str
    choices: frozenset[str]
    source: str = "m"
    params: tuple[Any, ...] = ()
    nullable: bool = True

    def check(self, op: str, value: Any, path: Path) -> None:
        if op not in ("eq", "ne", "in"):
            raise _bad("This field takes eq, ne or in.", (*path, "op"))
        _check_operands(op, value, path, self._check_one, allow_null=self.nullable)

    def _check_one(self, value: Any, path: Path) -> None:
        if not isinstance(value, str) or value not in self.choices:
            raise _bad(f"Expected one of {', '.join(sorted(self.choices))}.", path)

    def compile(self, op: str, value: Any) -> Sql:
        sources = frozenset({self.source})
        if value is None:
            negate = "NOT " if op == "ne" else ""
            return Sql(f"{self.column} IS {negate}NULL", self.params, sources)
        if op == "in":
            marks = ", ".join("?" for _ in value)
            return Sql(f"{self.column} IN ({marks})", self.params + tuple(value), sources)
        return Sql(f"{self.column} {COMPARISONS[op]} ?", (*self.params, value), sources)


@dataclass(frozen=True)
class Region(_ShownAsStored):
    """The member record has no region column: a region is the leading part of the
    address (province or city, as Chinese addresses are written), matched as a prefix,
    ignoring case."""

    column: str
    source: str = "m"

    def check(self, op: str, value: Any, path: Path) -> None:
        if op not in ("eq", "ne", "in"):
            raise _bad("This field takes eq, ne or in.", (*path, "op"))
        _check_operands(op, value, path, self._check_one, allow_null=True)

    @staticmethod
    def _check_one(value: Any, path: Path) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise _bad(f"Expected a region name of 1 to {MAX_TEXT} characters.", path)

    def compile(self, op: str, value: Any) -> Sql:
        if value is None:
            return Sql(f"{self.column} IS {'NOT ' if op == 'ne' else ''}NULL")
        if op == "in":
            return _join([self.compile("eq", v) for v in value], "OR")
        escaped = re.sub(r"([\\%_])", r"\\\1", value.strip()) + "%"
        negate = "NOT " if op == "ne" else ""
        # LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        return Sql(f"LOWER({self.column}) {negate}LIKE LOWER(?) ESCAPE '\\'", (escaped,))


def _stored_as(stored: Any, like: date | datetime) -> Any:
    """A stored date or instant as the type of `like` (SQLite answers raw SQL with text)."""
    if isinstance(like, datetime):
        instant = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
        return as_utc(instant)
    return date.fromisoformat(stored[:10]) if isinstance(stored, str) else stored


@dataclass(frozen=True)
class Clock:
    """The instant a rule is evaluated at, and the business-calendar date it falls on."""

    as_of: datetime

    @classmethod
    def at(cls, as_of: datetime) -> Clock:
        return cls(as_utc(as_of))

    @property
    def today(self) -> date:
        return local_date(self.as_of)


def _days_ago(clock: Clock, days: int) -> datetime:
    return clock.as_of - timedelta(days=days)


def _born_by(clock: Clock, years: int) -> date:
    """The latest birth date of someone at least `years` old today."""
    today = clock.today
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a common year: that birthday counts on the 28th
        return date(today.year - years, 2, 28)


def _stage_bound(clock: Clock, which: int) -> datetime:
    """The `which`th bound of the stage at `clock` (the settings read then, not at compiling)."""
    return stage_bounds(clock.as_of)[which]


# The lifecycle stage as services/members/stages.py defines it. HIGH_VALUE reads the VIP
# tag: the VIP tag's own rule may not read the stage (services/tags/definitions.py).
STAGE_FIELD = "lifecycleStage"
_STAGE = Choice(
    f"({STAGE_CASE})",
    frozenset(s.value for s in LifecycleStage),
    source="t",
    params=(*(FromClock(_stage_bound, which) for which in range(3)), *VIP_PARAMS),
    nullable=False,
)

FIELDS: dict[str, Number | Elapsed | Choice | Region] = {
    "age": Elapsed("m.birth_date", _born_by, limit=150),
    "gender": Choice("m.gender", frozenset(g.value for g in Gender)),
    "region": Region("m.address"),
    "tierRank": Number("t.rank", integer=True, source="t"),
    "pointsBalance": Number("m.points_balance", integer=True),
    "lifetimeSpend": Number("CAST(m.lifetime_spend AS NUMERIC)", integer=False),
    "spendLast365d": Number("CAST(COALESCE(p.spend_365d, 0) AS NUMERIC)", False, source="p"),
    "ordersLast30d": Number("COALESCE(p.orders_30d, 0)", integer=True, source="p"),
    "ordersLast90d": Number("COALESCE(p.orders_90d, 0)", integer=True, source="p"),
    "daysSinceLastPurchase": Elapsed("p.last_at", _days_ago, MAX_DAYS, source="p"),
    "daysSinceJoined": Elapsed("m.joined_at", _days_ago, MAX_DAYS),
    STAGE_FIELD: _STAGE,
}


def value_of(field: str, clock: Clock) -> Sql:
    """The member's value of a rule field as SQL at `clock` (an explanation shows it)."""
    spec = FIELDS[field]
    params = spec.params if isinstance(spec, Choice) else ()
    return at_clock(Sql(spec.column, params, frozenset({spec.source})), clock)


def _check_operands(
    op: str,
    value: Any,
    path: Path,
    check_one: Callable[[Any, Path], None],
    *,
    allow_null: bool,
) -> None:
    at = (*path, "value")
    if op in ("between", "in"):
        if not isinstance(value, list):
            raise _bad(f"{op} takes a list.", at)
        if op == "between" and len(value) != 2:
            raise _bad("between takes [low, high].", at)
        if op == "in" and not 1 <= len(value) <= MAX_LIST:
            raise _bad(f"in takes 1 to {MAX_LIST} values.", at)
        for index, item in enumerate(value):
            check_one(item, (*at, str(index)))
        return
    if value is None and allow_null and op in ("eq", "ne"):
        return
    check_one(value, at)


# ---------------------------------------------------------------- rules


def check_rule(rule: Any, path: Path = ("input", "rule")) -> None:
    """Refuse a rule that is not well-formed: Invalid at the path inside the rule."""
    count = _check_node(rule, path, 0)
    if count > MAX_CONDITIONS:
        raise _bad(f"A rule has at most {MAX_CONDITIONS} conditions.", path)


def _check_node(node: Any, path: Path, depth: int) -> int:
    if depth > MAX_DEPTH:
        raise _bad(f"A rule nests at most {MAX_DEPTH} levels.", path)
    if not isinstance(node, dict) or not node:
        raise _bad(
            'Expected an object: {"all": [...]}, {"any": [...]}, {"not": ...} '
            'or {"field": F, "op": OP, "value": V}.',
            path,
        )
    if "field" in node or "op" in node:
        _check_condition(node, path)
        return 1
    if len(node) != 1:
        raise _bad("A group has exactly one key: all, any or not.", path)
    ((key, children),) = node.items()
    if key == "not":
        return _check_node(children, (*path, "not"), depth + 1)
    if key not in ("all", "any"):
        raise _bad(f"Unknown key {key!r}: expected all, any, not or field.", (*path, key))
    if not isinstance(children, list) or not children:
        raise _bad(f"{key} takes a non-empty list of rules.", (*path, key))
    return sum(
        _check_node(child, (*path, key, str(index)), depth + 1)
        for index, child in enumerate(children)
    )


def _check_condition(node: dict[str, Any], path: Path) -> None:
    for key in node:
        if key not in ("field", "op", "value"):
            raise _bad(f"Unknown key {key!r} in a condition.", (*path, key))
    for key in ("field", "op", "value"):
        if key not in node:
            raise _bad(f"A condition needs {key}.", (*path, key))
    spec = FIELDS.get(node["field"]) if isinstance(node["field"], str) else None
    if spec is None:
        raise _bad(f"Unknown field: expected one of {', '.join(FIELDS)}.", (*path, "field"))
    if node["op"] not in OPS:
        raise _bad(f"Unknown op: expected one of {', '.join(OPS)}.", (*path, "op"))
    spec.check(node["op"], node["value"], path)


def compile_rule(rule: Any) -> Sql:
    """A checked rule as a two-valued SQL condition (an unknown fact never matches), its
    instant-dependent values left as FromClock parameters (`at_clock`)."""
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        children = [compile_rule(child) for child in rule[key]]
        return _join(children, "AND" if key == "all" else "OR")
    if "not" in rule:
        inner = compile_rule(rule["not"])
        return Sql(f"(NOT {inner.text})", inner.params, inner.sources)
    return compile_condition(rule)


def compile_condition(condition: dict[str, Any]) -> Sql:
    """One checked condition as a two-valued SQL condition: what a rule's evaluation and
    a tag's explanation (services/tags/explanations.py) both test."""
    compiled = FIELDS[condition["field"]].compile(condition["op"], condition["value"])
    # IS TRUE turns SQL's unknown (a NULL fact) into false, so `not` stays the plain opposite.
    return Sql(f"(({compiled.text}) IS TRUE)", compiled.params, compiled.sources)
