"""Why a member has a tag (DESIGN §9): each condition of a rule tag with the member's
current value and whether it holds, or who assigned a manual tag and when.

Whether a condition holds is the SQL the rule's evaluation runs (`compile_condition`),
over the same member facts (`facts_of`); the member's value is the fact that SQL
compares, shown as a rule writes values (`shown` of the rule field). A rule tag was
last computed when the later of its refreshes ran: the refresh of every member
(`TagDefinition.refreshed_at`) or of this member (`Member.tags_refreshed_at`), never
before the assignment itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.enums import TagSource
from models.member import Member
from models.tag import TagDefinition
from services.clock import as_utc
from services.tags.rules import FIELDS, Clock, Sql, at_clock, compile_condition, value_of
from services.tags.sql import NEEDS_PROFILING, facts_of, fetch


@dataclass(frozen=True)
class Assignment:
    """A member's tag as explained: what MemberTag holds."""

    member_id: int
    tag_id: int
    source: TagSource
    assigned_at: datetime
    assigned_by_id: int | None


@dataclass(frozen=True)
class Condition:
    """One condition of a rule as written, where it sits and how the member stands.

    `negated` when an odd number of `not` enclose it (the rule needs it false);
    `member_value` and `met` are None when withheld (profiling consent withdrawn)."""

    path: str
    negated: bool
    field: str
    op: str
    value: Any
    member_value: Any
    met: bool | None


@dataclass(frozen=True)
class Explanation:
    computed_at: datetime
    assigned_by_id: int | None
    conditions: list[Condition]


@dataclass(frozen=True)
class _Written:
    path: str
    negated: bool
    condition: dict[str, Any]


def written(rule: Any, path: tuple[str, ...] = (), negated: bool = False) -> Iterator[_Written]:
    """Every condition of a checked rule in order, all, any and not flattened."""
    for key in ("all", "any"):
        if key in rule:
            for index, child in enumerate(rule[key]):
                yield from written(child, (*path, key, str(index)), negated)
            return
    if "not" in rule:
        yield from written(rule["not"], (*path, "not"), not negated)
        return
    yield _Written(".".join(path), negated, rule)


async def explain(assignments: Sequence[Assignment], now: datetime) -> list[Explanation]:
    """The explanation of each assignment as of `now`, in order: at most three statements
    (the definitions, the members' refresh times and consents, their facts)."""
    tag_ids = {a.tag_id for a in assignments}
    tags = {tag.id: tag for tag in await TagDefinition.filter(id__in=tag_ids)}
    ruled = [a for a in assignments if _by_rule(a, tags)]
    if not ruled:
        return [_manual(a) for a in assignments]
    member_ids = sorted({a.member_id for a in ruled})
    members = {
        row[0]: row[1:]
        for row in await Member.filter(id__in=member_ids).values_list(
            "id", "profiling", "tags_refreshed_at"
        )
    }
    rules = {tag_id: list(written(tags[tag_id].rule)) for tag_id in {a.tag_id for a in ruled}}
    facts = await _facts([w.condition for ws in rules.values() for w in ws], member_ids, now)
    explained = []
    for assignment in assignments:
        if not _by_rule(assignment, tags):
            explained.append(_manual(assignment))
            continue
        tag = tags[assignment.tag_id]
        profiling, member_refreshed = members.get(assignment.member_id, (False, None))
        withheld = tag.category in NEEDS_PROFILING and not profiling
        times = [assignment.assigned_at, tag.refreshed_at, member_refreshed]
        explained.append(
            Explanation(
                max(as_utc(t) for t in times if t is not None),
                None,
                [
                    facts.condition(w, assignment.member_id, withheld)
                    for w in rules[assignment.tag_id]
                ],
            )
        )
    return explained


def _by_rule(assignment: Assignment, tags: dict[int, TagDefinition]) -> bool:
    return assignment.source == TagSource.RULE and tags[assignment.tag_id].rule is not None


def _manual(assignment: Assignment) -> Explanation:
    return Explanation(assignment.assigned_at, assignment.assigned_by_id, [])


def _key(condition: dict[str, Any]) -> str:
    return json.dumps(condition, sort_keys=True)


@dataclass(frozen=True)
class _Facts:
    """Per member, whether each distinct condition holds and the value of each field."""

    clock: Clock
    holds: dict[int, dict[str, bool]]
    values: dict[int, dict[str, Any]]

    def condition(self, at: _Written, member_id: int, withheld: bool) -> Condition:
        field, op, value = at.condition["field"], at.condition["op"], at.condition["value"]
        shown, met = None, None
        if not withheld:
            stored = self.values.get(member_id, {}).get(field)
            shown = FIELDS[field].shown(stored, self.clock)
            met = self.holds.get(member_id, {}).get(_key(at.condition), False)
        return Condition(at.path, at.negated, field, op, value, shown, met)


# Conditions per statement: SQLite allows 2,000 result columns; a page whose members hold
# many long rule tags is read in a few statements rather than refused.
CONDITIONS_PER_STATEMENT = 500


async def _facts(conditions: list[dict[str, Any]], member_ids: list[int], now: datetime) -> _Facts:
    """Per member, each distinct condition's truth and each field's fact: one statement
    for up to CONDITIONS_PER_STATEMENT distinct conditions."""
    clock = Clock.at(now)
    distinct = {_key(c): c for c in conditions}
    keys = list(distinct)
    fields = sorted({c["field"] for c in conditions})
    holds: dict[int, dict[str, bool]] = {member_id: {} for member_id in member_ids}
    values: dict[int, dict[str, Any]] = {}
    for start in range(0, len(keys), CONDITIONS_PER_STATEMENT):
        chunk = keys[start : start + CONDITIONS_PER_STATEMENT]
        compiled = [at_clock(compile_condition(distinct[key]), clock) for key in chunk]
        read = fields if start == 0 else []
        valued = [value_of(f, clock) for f in read]
        sources = frozenset().union(*(v.sources for v in valued), *(c.sources for c in compiled))
        found = facts_of(clock, sources, member_ids)
        columns = ["m.id AS member_id"]
        columns += [f"CASE WHEN {c.text} THEN 1 ELSE 0 END AS c{i}" for i, c in enumerate(compiled)]
        columns += [f"{v.text} AS v{i}" for i, v in enumerate(valued)]
        params = tuple(v for part in (*compiled, *valued) for v in part.params) + found.params
        rows = await fetch(None, Sql(f"SELECT {', '.join(columns)} {found.text}", params))
        for row in rows:
            member_holds = holds.setdefault(row["member_id"], {})
            member_holds.update({key: bool(row[f"c{i}"]) for i, key in enumerate(chunk)})
            if read:
                values[row["member_id"]] = {f: row[f"v{i}"] for i, f in enumerate(read)}
    return _Facts(clock, holds, values)
