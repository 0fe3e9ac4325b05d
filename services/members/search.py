"""Member lists: every filter and order as one SQL query (DESIGN §6: no N+1)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from string import ascii_lowercase, ascii_uppercase

from tortoise import connections
from tortoise.expressions import Q
from tortoise.filters import escape_like
from tortoise.queryset import QuerySet

from models.enums import (
    ApplicationStatus,
    LifecycleStage,
    MemberOrderField,
    MemberStatus,
    OrderDirection,
    TagUseKind,
)
from models.member import Member, MembershipApplication, ProfileChangeRequest
from models.member_search import GRAM_END, PG_INDEXED, SEARCH_TABLE, SEARCHED, grams_column
from services.members.stages import in_stages
from services.segments import Segment, in_segment
from services.tags.uses import record_uses_by_code
from shortcuts.sql import SqlTerm, fetch_dicts

# Fields `search` may match; the caller passes those its role may read in clear.
SEARCHABLE = ("memberNo", "name", "phone", "email")
_ORDER_COLUMNS = {
    MemberOrderField.JOINED_AT: "joined_at",
    MemberOrderField.MEMBER_NO: "member_no",
    MemberOrderField.POINTS_BALANCE: "points_balance",
    MemberOrderField.LIFETIME_SPEND: "lifetime_spend",
}
# The Member field each order ranks by. An order ranks every member by the value, which
# reads it: the caller passes only orders of fields its role reads in clear.
RANKED_BY = {
    MemberOrderField.JOINED_AT: "joinedAt",
    MemberOrderField.MEMBER_NO: "memberNo",
    MemberOrderField.POINTS_BALANCE: "pointsBalance",
    MemberOrderField.LIFETIME_SPEND: "lifetimeSpend",
}

_ASCII_UPPER = str.maketrans(ascii_lowercase, ascii_uppercase)
_LAST_CHARACTER = "\U0010ffff"
# A search term more than one member in WIDE holds is found by a scan (_held_by_many).
WIDE = 10
# The members whose indexed values match an FTS5 query (`_fts_query`).
_MATCHED = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"


@dataclass(frozen=True)
class MemberFilter:
    status: Sequence[MemberStatus] | None = None
    tier_codes: Sequence[str] | None = None
    tags_all: Sequence[str] | None = None
    tags_any: Sequence[str] | None = None
    tags_none: Sequence[str] | None = None
    joined_after: datetime | None = None
    joined_before: datetime | None = None
    search: str | None = None
    stages: Sequence[LifecycleStage] | None = None

    @property
    def segment(self) -> Segment:
        return Segment(self.tier_codes, self.tags_all, self.tags_any, self.tags_none)


async def _search(term: str, fields: Collection[str], dialect: str) -> Q:
    """Today's substring filter (LIKE), narrowed first to the candidates the index finds:
    the index finds every member the filter matches, and the filter keeps the results
    exactly what they were for every term and case rule."""
    term = term.strip()
    options = {
        "memberNo": Q(member_no__istartswith=term),
        "name": Q(name__icontains=term),
        "phone": Q(phone__contains=term),
        "email": Q(email__icontains=term),
    }
    searched = [name for name in SEARCHABLE if name in fields]
    if not searched:
        return Q(id__in=[])
    matches = Q(*(options[name] for name in searched), join_type=Q.OR)
    indexed = await _indexed(term, searched, dialect)
    if indexed is None:
        return matches
    return indexed if dialect == "sqlite" and _exact_in_index(term) else Q(indexed, matches)


def _exact_in_index(term: str) -> bool:
    """Whether SQLite's index finds exactly the members the LIKE finds for `term`. They
    differ only in case folding (FTS5 folds every letter, SQLite's LIKE and UPPER the
    ASCII ones), so a term with no cased character finds the same members in both."""
    return term.lower() == term == term.upper() and term.isprintable()


async def _indexed(term: str, fields: Sequence[str], dialect: str) -> Q | None:
    """The members the search index finds for `term` in `fields`, a superset of the
    LIKE's, or None when a scan finds them sooner; memberNo's prefix is a range on its
    unique index: member numbers hold no lowercase letters (enrollment's `M%08d`), so
    the prefix's ASCII upper case bounds them."""
    columns = [name for name in fields if name in SEARCHED]
    prefix = term.translate(_ASCII_UPPER) if "memberNo" in fields else None
    if dialect != "sqlite":
        return Q(id__in=_trigram_like(term, columns, prefix))
    candidates = []
    if columns:
        match = _fts_query(term, columns)
        if await _held_by_many(match):
            return None
        candidates.append(Q(id__in=SqlTerm(f"({_MATCHED})", [match])))
    if prefix is not None:
        candidates.append(Q(member_no__gte=prefix, member_no__lt=prefix + _LAST_CHARACTER))
    # Each side of the OR is an index lookup (SQLite's MULTI-INDEX OR): none scans member.
    return Q(*candidates, join_type=Q.OR)


def _fts_query(term: str, columns: Sequence[str]) -> str:
    # A trigram phrase matches the substring; a term too short for trigrams is a whole
    # token of the grams columns (models/member_search.py). The tokenizer folds the case
    # of term and columns alike.
    if len(term) >= 3:
        searched, phrase = columns, term
    else:
        searched, phrase = [grams_column(c) for c in columns], term.ljust(3, GRAM_END)
    return '{%s} : "%s"' % (" ".join(searched), phrase.replace('"', '""'))


async def _held_by_many(match: str) -> bool:
    """Whether more than 1/WIDE of the members are candidates (counted up to there): the
    page then comes sooner from today's scan in its order, which stops at the page's
    end, than from every candidate sorted (at 100,000 members, 'e': 140 against 600 ms)."""
    members = "coalesce((SELECT max(id) FROM member), 0)"
    rows = await fetch_dicts(
        None,
        f"SELECT count(*) AS found, {members} / {WIDE} AS wide"
        f" FROM ({_MATCHED} LIMIT {members} / {WIDE} + 1)",
        [match],
    )
    return bool(rows[0]["found"] > rows[0]["wide"])


async def count_members(
    query: MemberFilter | None, members: QuerySet[Member], searchable: Collection[str]
) -> int:
    """How many members the list `filter_members` made of `query` holds. A search alone
    is counted in the index where the index finds exactly the LIKE's members: the LIKE's
    recheck, a row lookup per candidate, costs a term most members hold far more (at
    100,000 members, '13': 114 ms against 4)."""
    found = await _counted_in_index(query, searchable)
    return await members.count() if found is None else found


async def _counted_in_index(query: MemberFilter | None, searchable: Collection[str]) -> int | None:
    """The count of a search-only filter on SQLite where the index alone tells it
    (`_exact_in_index`), or None."""
    if query is None or query.search is None or replace(query, search=None) != MemberFilter():
        return None
    term = query.search.strip()
    if not (term and _exact_in_index(term)):
        return None
    if connections.get("default").capabilities.dialect != "sqlite":
        return None
    columns = [name for name in SEARCHABLE if name in searchable and name in SEARCHED]
    counts: list[str] = []
    params: list[str] = []
    if columns:
        counts.append(f"(SELECT count(*) FROM ({_MATCHED}))")
        params.append(_fts_query(term, columns))
    if "memberNo" in searchable:
        # Numbers the term prefixes that the index did not find already (an uncased term
        # is its own upper case).
        beside = f" AND id NOT IN ({_MATCHED})" if columns else ""
        numbers = f"member_no >= ? AND member_no < ?{beside}"
        counts.append(f"(SELECT count(*) FROM member WHERE {numbers})")
        params += [term, term + _LAST_CHARACTER, *params[:1]]
    if not counts:
        return None
    rows = await fetch_dicts(None, f"SELECT {' + '.join(counts)} AS found", params)
    return int(rows[0]["found"])


def _trigram_like(term: str, columns: Sequence[str], prefix: str | None) -> SqlTerm:
    # One subquery, so PostgreSQL ORs its index scans (BitmapOr); an OR beside it in the
    # outer query would have it scan member. The pg_trgm GIN indexes serve LIKE on
    # exactly their expressions.
    pattern = f"%{escape_like(term)}%"
    found = [f"{PG_INDEXED[c]} LIKE {'?' if c == 'phone' else 'upper(?)'}" for c in columns]
    params: list[str] = [pattern] * len(columns)
    if prefix is not None:
        found.append("(member_no >= ? AND member_no < ?)")
        params += [prefix, prefix + _LAST_CHARACTER]
    return SqlTerm(f"(SELECT id FROM member WHERE {' OR '.join(found)})", params)


async def filter_members(
    query: MemberFilter | None, now: datetime, searchable: Collection[str] = SEARCHABLE
) -> QuerySet[Member]:
    """Members matching every given criterion (the segment's as `in_segment` reads it, the
    lifecycle stages as of `now`)."""
    members = Member.all()
    if query is None:
        return members
    if query.status:
        members = members.filter(status__in=list(query.status))
    members = in_segment(members, query.segment)
    if query.joined_after is not None:
        members = members.filter(joined_at__gt=query.joined_after)
    if query.joined_before is not None:
        members = members.filter(joined_at__lt=query.joined_before)
    if query.search and query.search.strip():
        dialect = connections.get("default").capabilities.dialect
        members = members.filter(await _search(query.search, searchable, dialect))
    if query.stages:
        members = await in_stages(members, query.stages, now)
    return members


async def count_tag_search(query: MemberFilter | None, now: datetime) -> None:
    """A staff search by tag counts one use of each tag it names (one INSERT, none without
    a tag). It reached 0 members as far as its use says: the list's count is not read
    for it, and a search contacts nobody."""
    if query is not None:
        await record_uses_by_code(None, query.segment.tag_codes, TagUseKind.SEARCH, now, 0)


def order_members(
    members: QuerySet[Member],
    field: MemberOrderField = MemberOrderField.JOINED_AT,
    direction: OrderDirection = OrderDirection.ASC,
) -> QuerySet[Member]:
    """Ordered by the field, ties broken by id in the same direction (stable pages)."""
    sign = "-" if direction is OrderDirection.DESC else ""
    return members.order_by(f"{sign}{_ORDER_COLUMNS[field]}", f"{sign}id")


def applications(status: ApplicationStatus | None) -> QuerySet[MembershipApplication]:
    rows = MembershipApplication.all()
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("submitted_at", "id")


def change_requests(
    status: ApplicationStatus | None, member_id: int | None = None
) -> QuerySet[ProfileChangeRequest]:
    rows = ProfileChangeRequest.all()
    if status is not None:
        rows = rows.filter(status=status)
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    return rows.order_by("submitted_at", "id")
