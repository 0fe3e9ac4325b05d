"""Member search answers through an index (issue 28): the FTS5 trigram table on SQLite,
pg_trgm GIN indexes on PostgreSQL. The results are today's LIKE results for every role
and term, no side of the search scans member, and erasure leaves no token behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from string import ascii_lowercase, ascii_uppercase
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.ids import to_global_id
from models.enums import MemberStatus, Role, TerminationReason
from models.member import Member
from models.member_search import SEARCH_TABLE, install_search_index
from services.clock import utcnow
from services.members import scrub_storage, terminate_membership
from services.members.search import (
    SEARCHABLE,
    MemberFilter,
    count_members,
    filter_members,
    order_members,
)
from tests.conftest import staff_token
from tests.core.test_cli import _run as run_cli
from tests.factories import make_member
from tests.members.traces import found_in_files
from tests.sql_counter import count_sql

SEARCH = """query($filter: MemberFilter, $orderBy: MemberOrder, $first: Int = 100) {
  members(filter: $filter, orderBy: $orderBy, first: $first) {
    totalCount edges { node { id } } } }"""

NAMES = [
    "张三", "李四", "王小明", "欧阳娜娜", "欧阳伟", "司马光", "张伟", "陈静", "刘洋", "赵丽颖",
    "Anna Smith", "ANNE-MARIE O'Brien", "anna karenina", "John_Doe", "JOHN DOE", "100% Real",
    'Say "Hi"', "back\\slash", "émile Zola", "Émilie du Châtelet", "Zoë", "mcDonald", "MACDONALD",
    "A", "ab", "Ba", "x y z", "Nana", "nana", "Jo",
]  # fmt: skip
PHONES = ["13512349876", "+86 135-1234-0000", "021-5555 1234", "13800000000", None]
EMAILS = [
    "Anna.Smith@Example.COM", "nana.ouyang@example.com", "JOHN_doe@corp.CN", "x%y@q.org",
    "o'brien@mail.ie", None, "zhang.san@163.com",
]  # fmt: skip
TERMS = [
    "张", "张三", "欧阳", "欧阳娜娜", "阳娜", "a", "A", "an", "AN", "ann", "ANNA", "smith", "SMI",
    "o'b", "O'BRIEN", '"', '"hi"', 'y "', "%", "_", "0%", "n_d", "\\", "\\s", " ", "  ann  ",
    "n s", "1", "13", "135", "9876", "-1234", "+86", "@", "@ex", "EXAMPLE.com", ".cn", "T0", "t0",
    "t000", "T00000", "é", "É", "émi", "ÉMI", "ë", "zo", "x", "x y", "mc", "MAC", "zzz", "q.o",
]  # fmt: skip
# What each role may search by: the fields it reads in clear (auth/policy.py).
ROLES = {
    Role.ADMIN: ("memberNo", "name", "phone", "email"),
    Role.OPERATIONS: ("memberNo", "name"),
    Role.MARKETING: ("memberNo",),
}
_ASCII_UPPER = str.maketrans(ascii_lowercase, ascii_uppercase)


def _folded(value: str, sqlite: bool) -> str:
    # Today's filter: UPPER(col) LIKE UPPER(pattern). SQLite folds ASCII letters only (in
    # UPPER and in LIKE); PostgreSQL's upper() folds every letter.
    return value.translate(_ASCII_UPPER) if sqlite else value.upper()


def _matches(member: dict[str, Any], term: str, fields: tuple[str, ...], sqlite: bool) -> bool:
    """Today's semantics, in Python: memberNo istartswith, name icontains, phone contains
    (SQLite's LIKE folds ASCII case), email icontains; a blank term does not filter."""
    term = term.strip()
    if not term:
        return True
    wanted = _folded(term, sqlite)
    checks = {
        "memberNo": lambda v: _folded(v, sqlite).startswith(wanted),
        "name": lambda v: wanted in _folded(v, sqlite),
        "phone": lambda v: (wanted in _folded(v, sqlite)) if sqlite else (term in v),
        "email": lambda v: wanted in _folded(v, sqlite),
    }
    columns = {"memberNo": "member_no", "name": "name", "phone": "phone", "email": "email"}
    return any(member[columns[f]] is not None and checks[f](member[columns[f]]) for f in fields)


async def _members() -> list[Member]:
    made = []
    for i in range(62):
        made.append(
            await make_member(
                name=NAMES[i % len(NAMES)],
                phone=PHONES[i % len(PHONES)] and f"{PHONES[i % len(PHONES)]}{i:02d}",
                email=EMAILS[i % len(EMAILS)] and f"{i}{EMAILS[i % len(EMAILS)]}",
                status=MemberStatus.SUSPENDED if i % 5 == 0 else MemberStatus.ACTIVE,
                points_balance=(i * 37) % 11,
            )
        )
    # make_member fills a None phone or email: the search must also meet missing values.
    for member in made[::5]:
        await Member.filter(id=member.id).update(phone=None, email=None)
    await Member.filter(id=made[7].id).update(name=None)
    return made


async def _rows() -> list[dict[str, Any]]:
    return await Member.all().order_by("id").values("id", "member_no", "name", "phone", "email")


def _sqlite() -> bool:
    return connections.get("default").capabilities.dialect == "sqlite"


async def _search(
    api: Any, token: str, filter_: dict[str, Any], order: Any = None, first: int = 100
) -> Any:
    result = await api(SEARCH, {"filter": filter_, "orderBy": order, "first": first}, token=token)
    assert "errors" not in result, result["errors"]
    members = result["data"]["members"]
    return members["totalCount"], [edge["node"]["id"] for edge in members["edges"]]


async def test_every_role_finds_what_today_s_like_finds_for_every_term(api, db):
    await _members()
    rows = await _rows()
    sqlite = _sqlite()
    for role, fields in ROLES.items():
        token = await staff_token(role)
        for term in TERMS:
            expected = [
                to_global_id("Member", r["id"]) for r in rows if _matches(r, term, fields, sqlite)
            ]
            total, ids = await _search(api, token, {"search": term})
            assert (total, sorted(ids)) == (len(expected), sorted(expected)), (role, term)
            # A page of one leaves the count to the COUNT (or the index's).
            total, _ = await _search(api, token, {"search": term}, first=1)
            assert total == len(expected), (role, term)


async def test_the_index_follows_every_change_of_a_searched_column(api, db):
    members = await _members()
    token = await staff_token(Role.ADMIN)
    await Member.filter(id=members[3].id).update(name="Quentin Blake", phone="99988877766")
    member = await Member.get(id=members[4].id)
    member.email = "Renamed@Example.org"
    await member.save()
    member.points_balance = 7  # a save that changes no searched column
    await member.save()
    rows = await _rows()
    for term in ("quentin", "qu", "q", "欧阳娜娜", "99988", "renamed@", "re", "13512349876"):
        expected = [
            to_global_id("Member", r["id"])
            for r in rows
            if _matches(r, term, ROLES[Role.ADMIN], _sqlite())
        ]
        total, ids = await _search(api, token, {"search": term})
        assert (total, sorted(ids)) == (len(expected), sorted(expected)), term


async def test_search_composes_with_the_other_filters_and_orders(api, db):
    await _members()
    rows = {r["id"]: r for r in await _rows()}
    token = await staff_token(Role.ADMIN)
    active = {m.id for m in await Member.filter(status=MemberStatus.ACTIVE).only("id")}
    for term in ("an", "a", "example", "T0"):
        order = {"field": "POINTS_BALANCE", "direction": "DESC"}
        filter_ = {"search": term, "status": ["ACTIVE"], "tierCodes": ["REGULAR"]}
        total, ids = await _search(api, token, filter_, order)
        matching = [
            m
            for m in await Member.filter(id__in=list(active)).order_by("-points_balance", "-id")
            if _matches(rows[m.id], term, ROLES[Role.ADMIN], _sqlite())
        ]
        assert total == len(matching), term
        assert ids == [to_global_id("Member", m.id) for m in matching], term


@pytest.mark.parametrize("term", ["a", "an", "anna", "T00", "欧阳"])
async def test_neither_side_of_a_search_scans_member(db, term) -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    members = await filter_members(MemberFilter(search=term), utcnow())
    page = order_members(members).offset(0).limit(101)
    for query in (page, members.count()):
        query.sql()  # renders query.query; a subquery's parameters are not inlined: bind them
        sql, params = query.query.get_parameterized_sql()
        with sqlite3.connect(conn.filename) as fresh:
            steps = [row[3] for row in fresh.execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert "MULTI-INDEX OR" in steps, steps
        assert any(s.startswith(f"SCAN {SEARCH_TABLE} VIRTUAL TABLE") for s in steps), steps
        assert any("member_no>? AND member_no<?" in s for s in steps), steps
        assert not any(s == "SCAN member" or s.startswith("SCAN member ") for s in steps), steps


async def test_a_term_with_no_cased_character_is_found_and_counted_in_the_index_alone(db):
    if not _sqlite():
        pytest.skip("PostgreSQL rechecks with its LIKE")
    await _members()
    for term in ("13", "张", "欧阳", "-1234", "@", "%", '"', "T0", "a", "é"):
        members = await filter_members(MemberFilter(search=term), utcnow())
        async with count_sql() as counter:
            counted = await count_members(MemberFilter(search=term), members, SEARCHABLE)
        assert counted == await members.count(), term
        rechecked = any("LIKE" in statement for statement in counter.statements)
        assert rechecked == (term in ("T0", "a", "é")), term
        # The page: by the index alone, or by the scan when the term is held by many.
        page = order_members(members).limit(101).sql()
        assert rechecked or not ("LIKE" in page and SEARCH_TABLE in page), term
    # With another criterion beside the term, the index alone does not know the count.
    query = MemberFilter(search="13", status=[MemberStatus.ACTIVE])
    members = await filter_members(query, utcnow())
    async with count_sql() as counter:
        assert await count_members(query, members, SEARCHABLE) == await members.count()
    assert any("LIKE" in statement for statement in counter.statements)


async def test_a_term_most_members_hold_is_found_by_a_scan_in_the_page_s_order(db) -> None:
    if not _sqlite():
        pytest.skip("PostgreSQL's planner weighs the trigram index by its statistics")
    for n in range(30):
        await make_member(name="Zhang Wei" if n == 0 else "李四")  # example.com emails

    def sql(members: Any) -> str:
        page = order_members(members).limit(101)
        page.sql()
        return str(page.query.get_parameterized_sql()[0])

    common = await filter_members(MemberFilter(search="example"), utcnow())
    rare = await filter_members(MemberFilter(search="zhang"), utcnow())
    assert SEARCH_TABLE not in sql(common)
    assert SEARCH_TABLE in sql(rare)
    assert (await common.count(), await rare.count()) == (30, 1)


async def test_postgresql_finds_a_term_through_the_trigram_index(db) -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        pytest.skip("pg_trgm is PostgreSQL's")
    members = await filter_members(MemberFilter(search="anna"), utcnow())
    query = members.count()
    query.sql()
    sql, params = query.query.get_parameterized_sql()
    async with in_transaction() as tx:
        # An empty table is read faster by a scan: ask for the plan the index gives.
        await tx.execute_script("SET LOCAL enable_seqscan = off")
        plan = [row["QUERY PLAN"] for row in await tx.execute_query_dict("EXPLAIN " + sql, params)]
    text = "\n".join(plan)
    for index in ("member_name_trgm", "member_phone_trgm", "member_email_trgm"):
        assert f"Bitmap Index Scan on {index}" in text, text
    assert "Bitmap Index Scan on member_member_no_key" in text, text  # the prefix's range
    assert "Seq Scan" not in text, text


async def test_migrate_installs_the_index_and_fills_it_from_the_members_there_are(
    tmp_path: Path, db
) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as migrated:
        names = {row[0] for row in migrated.execute("SELECT name FROM sqlite_master")}
    assert {SEARCH_TABLE, f"{SEARCH_TABLE}_insert", f"{SEARCH_TABLE}_update"} <= names
    assert f"{SEARCH_TABLE}_delete" in names
    # Members written before the index existed are found once it is installed.
    conn = connections.get("default")
    if conn.capabilities.dialect != "sqlite":
        return
    made = await make_member(name="Wilhelmina Early")
    await conn.execute_script(f"DELETE FROM {SEARCH_TABLE}")
    assert await (await filter_members(MemberFilter(search="helm"), utcnow())).count() == 0
    await install_search_index(conn)
    found = await (await filter_members(MemberFilter(search="helm"), utcnow())).values("id")
    assert found == [{"id": made.id}]


async def test_erasure_leaves_no_token_of_the_member_in_the_index(api, sqlite_only):
    others = await _members()
    member = await make_member(
        name="Gwendolyn Erased", phone="17712345678", email="gwen.erased@example.net"
    )
    conn = connections.get("default")
    await conn.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
    token = await staff_token(Role.ADMIN)
    clear = ("Gwendolyn Erased", "17712345678", "gwen.erased@example.net")
    assert found_in_files(clear) == set(clear)  # the scan is meaningful
    segments = await _count(f"SELECT count(*) AS n FROM {SEARCH_TABLE}_data")

    now = utcnow()
    await terminate_membership(member.id, TerminationReason.VIOLATION, now, effective_at=now)
    assert await scrub_storage() == 0  # as the mutation or the job does once committed

    assert found_in_files(clear) == set()
    for term in (*clear, "gwen", "Erased", "17712", "wE", "g"):
        total, ids = await _search(api, token, {"search": term})
        assert to_global_id("Member", member.id) not in ids, term
    fts = f"SELECT count(*) AS n FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
    for phrase in ('"17712345678"', '"gwendolyn"', '"erased@"', 'name_grams : "gw\x1f"'):
        assert await _count(fts, [phrase]) == 0, phrase
    # One merged segment: the old ones, with the erased tokens, are gone.
    assert await _count(f"SELECT count(*) AS n FROM {SEARCH_TABLE}_data") < segments
    await conn.execute_script(
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES('integrity-check')"
    )
    # The others are still found.
    total, _ = await _search(api, token, {"search": others[1].phone})
    assert total >= 1


async def _count(sql: str, params: list[Any] | None = None) -> int:
    rows = await connections.get("default").execute_query_dict(sql, params or [])
    return int(rows[0]["n"])
