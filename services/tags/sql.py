"""The member facts a rule reads, as one SQL query that runs on SQLite and PostgreSQL.

`m` is the member, `t` their tier, `p` their purchase facts up to the evaluation
instant. Only the sources a rule reads are joined.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from models.enums import MemberStatus, TagCategory, TagStatus
from services.orders import KEPT_ORDER
from services.tags.rules import Clock, Sql, at_clock, compile_rule
from shortcuts.sql import fetch_dicts, marks

# Without profiling consent no behaviour or preference tag is computed (DESIGN §2).
NEEDS_PROFILING = (TagCategory.BEHAVIOR, TagCategory.PREFERENCE)
_PURCHASE_FACTS = f"""
    SELECT member_id,
        SUM(CASE WHEN occurred_at > ?
            THEN CAST(amount AS NUMERIC) - CAST(refunded_amount AS NUMERIC) ELSE 0 END)
            AS spend_365d,
        SUM(CASE WHEN occurred_at > ? AND {KEPT_ORDER} THEN 1 ELSE 0 END) AS orders_30d,
        SUM(CASE WHEN occurred_at > ? AND {KEPT_ORDER} THEN 1 ELSE 0 END) AS orders_90d,
        MAX(CASE WHEN {KEPT_ORDER} THEN occurred_at END) AS last_at
    FROM purchase WHERE occurred_at <= ?{{member}} GROUP BY member_id"""


class RuleTag(Protocol):
    """What evaluating a rule tag reads: a TagDefinition, or an ActiveRule."""

    @property
    def id(self) -> int: ...
    @property
    def category(self) -> TagCategory: ...
    @property
    def rule(self) -> Any: ...


@dataclass(frozen=True)
class ActiveRule:
    id: int
    category: TagCategory
    rule: Any
    condition: Sql  # `rule_condition` of the tag, compiled when it was read


# Active rule tags, read without building models: this runs after every purchase.
_ACTIVE_RULES = (
    "SELECT id, category, rule FROM tag_definition"
    f" WHERE status = '{TagStatus.ACTIVE.value}' AND rule IS NOT NULL ORDER BY id"
)
# Each (id, category, rule text) read, parsed and compiled: a purchase reads them all.
_READ_RULES: dict[tuple[int, str, str], ActiveRule] = {}
_KEPT_RULES = 1024


async def active_rules(conn: Any) -> list[ActiveRule]:
    """The ACTIVE tags that have a rule, in id order (rules never change once proposed)."""
    rows = await conn.execute_query_dict(_ACTIVE_RULES)
    return [_active_rule(row["id"], row["category"], row["rule"]) for row in rows]


def _active_rule(tag_id: int, category: str, text: str) -> ActiveRule:
    key = (tag_id, category, text)
    found = _READ_RULES.get(key)
    if found is None:
        rule, kind = json.loads(text), TagCategory(category)
        found = ActiveRule(tag_id, kind, rule, rule_condition(kind, rule))
        if len(_READ_RULES) >= _KEPT_RULES:
            _READ_RULES.clear()
        _READ_RULES[key] = found
    return found


def rule_condition(category: TagCategory, rule: Any) -> Sql:
    """The SQL condition under which a member carries a tag of this category and rule, at
    any instant."""
    condition = compile_rule(rule)
    if category not in NEEDS_PROFILING:
        return condition
    return Sql(f"(m.profiling IS TRUE AND {condition.text})", condition.params, condition.sources)


def tag_condition(tag: RuleTag, clock: Clock) -> Sql:
    """The SQL condition under which a member carries this rule tag at `clock`."""
    if isinstance(tag, ActiveRule):
        return at_clock(tag.condition, clock)
    return at_clock(rule_condition(tag.category, tag.rule), clock)


def facts_of(clock: Clock, sources: frozenset[str], member_ids: Sequence[int] | None) -> Sql:
    """FROM and WHERE of the live members (those of `member_ids`, or all) with the facts
    `sources` names, at `clock`."""
    text = "FROM member m"
    params: list[Any] = []
    ids = list(member_ids or ())
    if "t" in sources:
        text += " JOIN tier t ON t.id = m.tier_id"
    if "p" in sources:
        days = (365, 30, 90)
        params += [clock.as_of - timedelta(days=n) for n in days] + [clock.as_of]
        member = f" AND member_id IN ({marks(len(ids))})" if member_ids is not None else ""
        params += ids
        text += f" LEFT JOIN ({_PURCHASE_FACTS.format(member=member)}) p ON p.member_id = m.id"
    # Terminated members carry no tags (their tags go at termination).
    text += " WHERE m.status <> ?"
    params.append(MemberStatus.TERMINATED.value)
    if member_ids is not None:
        text += f" AND m.id IN ({marks(len(ids))})"
        params += ids
    return Sql(text, tuple(params), sources)


def matching_members(condition: Sql, clock: Clock, member_ids: Sequence[int] | None = None) -> Sql:
    """SELECT of the ids of live members meeting `condition` (of `member_ids` if given)."""
    facts = facts_of(clock, condition.sources, member_ids)
    return Sql(
        f"SELECT m.id {facts.text} AND {condition.text}",
        facts.params + condition.params,
        condition.sources,
    )


def holding(conditions: list[Sql], clock: Clock, member_ids: Sequence[int]) -> Sql:
    """SELECT of a row per live member of `member_ids`: their id, and column t<i> whether
    conditions[i] holds for them. Their facts are read once for every condition."""
    sources = frozenset().union(*(c.sources for c in conditions))
    facts = facts_of(clock, sources, member_ids)
    held = ", ".join(
        f"CASE WHEN {c.text} THEN 1 ELSE 0 END AS t{i}" for i, c in enumerate(conditions)
    )
    params = tuple(v for c in conditions for v in c.params) + facts.params
    return Sql(f"SELECT m.id, {held} {facts.text}", params, sources)


def outcomes(conditions: list[Sql], tag_ids: list[int], clock: Clock, member_id: int) -> Sql:
    """One row for the member: column t<i> is whether conditions[i] holds, s<i> whether
    tag_ids[i] is settled for them (carried, or kept off by a suppressing error report).

    The s columns come even for a member the facts leave out (a terminated one).
    """
    held = holding(conditions, clock, [member_id])
    settled = ", ".join(
        "CASE WHEN EXISTS (SELECT 1 FROM member_tag WHERE member_id = ? AND tag_id = ?)"
        " OR EXISTS (SELECT 1 FROM tag_error_report WHERE member_id = ? AND tag_id = ?"
        f" AND suppressing IS TRUE) THEN 1 ELSE 0 END AS s{i}"
        for i in range(len(tag_ids))
    )
    params = tuple(v for tag_id in tag_ids for v in (member_id, tag_id, member_id, tag_id))
    return Sql(
        f"SELECT s.*, o.* FROM (SELECT {settled}) s LEFT JOIN ({held.text}) o ON 1 = 1",
        params + held.params,
        held.sources,
    )


def assigned(tag_ids: Sequence[int], member_ids: Sequence[int]) -> Sql:
    """SELECT of (member_id, tag_id, suppressing) for each of `tag_ids` the members of
    `member_ids` carry (suppressing false) or are kept from by a suppressing error report
    (true)."""
    scope = f"tag_id IN ({marks(len(tag_ids))}) AND member_id IN ({marks(len(member_ids))})"
    return Sql(
        f"SELECT member_id, tag_id, FALSE AS suppressing FROM member_tag WHERE {scope}"
        " UNION ALL SELECT member_id, tag_id, TRUE AS suppressing FROM tag_error_report"
        f" WHERE {scope} AND suppressing IS TRUE",
        (*tag_ids, *member_ids) * 2,
    )


async def fetch(conn: Any, sql: Sql) -> list[dict[str, Any]]:
    """Run a statement (SELECT, or a write with RETURNING) and return its rows."""
    return await fetch_dicts(conn, sql.text, sql.params)
