"""The reference data kept in memory (services/reference_data.py): read again once any
write to its tables moved the version, whoever wrote, and never kept from a transaction."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

import services.reference_data
from models.benefit import Benefit, BenefitTier
from models.enums import BenefitCategory, Role, TagCategory, TagSource
from models.reference_data import COUNTERS, REFERENCE_TABLES, VERSION_TABLE, watched_columns
from models.tag import MemberTag, TagDefinition
from services.clock import utcnow
from services.reference_data import ReferenceData, read_once, reference_data
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql


async def _version() -> int:
    rows = await connections.get("default").execute_query_dict(
        f"SELECT version FROM {VERSION_TABLE}"
    )
    return int(rows[0]["version"])


async def _write(sql: str) -> None:
    # Plain SQL, as another process, a job or an operator would write: nothing in this
    # process hears of it but the version row.
    await connections.get("default").execute_script(sql)


async def test_an_unchanged_version_answers_from_memory() -> None:
    await make_tiers()
    first = await reference_data()
    async with count_sql() as counter:
        again = await reference_data()
    assert again is first
    assert counter.count == 1
    assert VERSION_TABLE in counter.statements[0]


async def test_every_write_to_a_reference_table_moves_the_version() -> None:
    tiers = await make_tiers()
    tag = await TagDefinition.create(
        code="vip", name="VIP", category=TagCategory.BASIC_INFO, created_at=utcnow()
    )
    benefit = await Benefit.create(
        code="lounge", name="Lounge", category=BenefitCategory.PRIORITY_SERVICE
    )
    writes = {
        "tier": ["UPDATE tier SET name = 'Gold+' WHERE code = 'GOLD'"],
        "tag_definition": [
            f"UPDATE tag_definition SET name = 'Very VIP' WHERE id = {tag.id}",
            f"DELETE FROM tag_definition WHERE id = {tag.id}",
        ],
        "benefit": [f"UPDATE benefit SET name = 'Quiet lounge' WHERE id = {benefit.id}"],
        "benefit_tier": [
            f"INSERT INTO benefit_tier (benefit_id, tier_id) VALUES ({benefit.id}, {tiers[-1].id})",
            f"DELETE FROM benefit_tier WHERE benefit_id = {benefit.id}",
        ],
    }
    assert set(writes) == set(REFERENCE_TABLES)
    for sql in (sql for table in REFERENCE_TABLES for sql in writes[table]):
        before = await _version()
        await _write(sql)
        assert await _version() > before, sql


async def test_a_tag_definitions_columns_move_the_version_but_its_counters() -> None:
    tag = await TagDefinition.create(
        code="vip", name="VIP", category=TagCategory.BASIC_INFO, created_at=utcnow()
    )
    conn = connections.get("default")
    watched = await watched_columns(conn, "tag_definition")
    assert {"code", "name", "status", "rule", "visible_to_member"} <= set(watched)
    for column in watched:
        before = await _version()
        await _write(f"UPDATE tag_definition SET {column} = {column} WHERE id = {tag.id}")
        assert await _version() > before, column
    # Every tag assigned or reported wrong, and each refresh, writes these.
    for column in COUNTERS["tag_definition"]:
        before = await _version()
        await _write(f"UPDATE tag_definition SET {column} = {column} WHERE id = {tag.id}")
        assert await _version() == before, column


async def test_a_tags_error_rate_is_read_fresh_while_its_definition_is_kept(as_role) -> None:
    tag = await TagDefinition.create(
        code="vip", name="VIP", category=TagCategory.BASIC_INFO, created_at=utcnow()
    )
    member = await make_member()
    await MemberTag.create(member=member, tag=tag, source=TagSource.MANUAL, assigned_at=utcnow())
    admin = await as_role(Role.ADMIN)
    query = "{ members(first: 1) { edges { node { tags { tag { name errorRate } } } } } }"

    async def seen() -> dict[str, object]:
        answer = await admin(query)
        assert "errors" not in answer, answer
        return answer["data"]["members"]["edges"][0]["node"]["tags"][0]["tag"]

    assert await seen() == {"name": "VIP", "errorRate": 0.0}
    kept = await reference_data()
    await _write(
        f"UPDATE tag_definition SET assignments_total = 4, errors_total = 1 WHERE id = {tag.id}"
    )
    assert await reference_data() is kept
    assert await seen() == {"name": "VIP", "errorRate": 0.25}


async def test_a_change_by_another_writer_is_read_at_the_next_request() -> None:
    tiers = await make_tiers()
    benefit = await Benefit.create(
        code="lounge", name="Lounge", category=BenefitCategory.PRIORITY_SERVICE
    )
    await BenefitTier.create(benefit=benefit, tier=tiers[-1])
    kept = await reference_data()
    assert [tier.name for tier in kept.ladder if tier.code == "GOLD"] != ["Gold+"]

    await _write("UPDATE tier SET name = 'Gold+' WHERE code = 'GOLD'")
    await _write(f"UPDATE benefit SET name = 'Quiet lounge' WHERE id = {benefit.id}")

    fresh = await reference_data()
    assert [tier.name for tier in fresh.ladder if tier.code == "GOLD"] == ["Gold+"]
    assert [held.name for held in fresh.held[tiers[-1].id]] == ["Quiet lounge"]
    assert kept.ladder is not fresh.ladder  # the copy handed out before is left as it was


class _RolledBack(Exception):
    pass


async def test_what_a_transaction_reads_is_not_kept() -> None:
    await make_tiers()
    await reference_data()
    with pytest.raises(_RolledBack):
        async with in_transaction() as conn:
            await conn.execute_query("UPDATE tier SET name = 'Gold+' WHERE code = 'GOLD'")
            inside = await reference_data()
            assert [tier.name for tier in inside.ladder if tier.code == "GOLD"] == ["Gold+"]
            raise _RolledBack
    # Another writer's change takes the number the rolled-back one had moved it to.
    await _write("UPDATE tier SET name = 'Silver+' WHERE code = 'SILVER'")
    after = await reference_data()
    names = {tier.name for tier in after.ladder}
    assert "Silver+" in names
    assert "Gold+" not in names


async def test_within_read_once_the_first_read_stands() -> None:
    await make_tiers()
    with read_once():
        first = await reference_data()
        await _write("UPDATE tier SET name = 'Gold+' WHERE code = 'GOLD'")
        async with count_sql() as counter:
            assert await reference_data() is first
        assert counter.count == 0
    assert "Gold+" in {tier.name for tier in (await reference_data()).ladder}


async def test_reads_at_once_within_read_once_share_the_first() -> None:
    await make_tiers()
    async with count_sql() as counter:
        with read_once():
            first, second = await asyncio.gather(reference_data(), reference_data())
    assert first is second
    assert counter.count == 1


async def test_a_failed_read_within_read_once_is_tried_again(monkeypatch) -> None:
    await make_tiers()
    current = services.reference_data._current
    failures = [ConnectionError("the database went away")]

    async def flaky() -> ReferenceData:
        if failures:
            raise failures.pop()
        return await current()

    monkeypatch.setattr(services.reference_data, "_current", flaky)
    with read_once():
        with pytest.raises(ConnectionError):
            await reference_data()
        assert [tier.code for tier in (await reference_data()).ladder][0] == "REGULAR"


_EVERY_KIND = """
{ tiers { code benefits { code } }
  members(first: 5) { edges { node { tier { code } tags { tag { code } } } } } }
"""


async def test_a_query_asks_the_version_once_whatever_its_fields_read(as_role) -> None:
    tiers = await make_tiers()
    benefit = await Benefit.create(
        code="lounge", name="Lounge", category=BenefitCategory.PRIORITY_SERVICE
    )
    await BenefitTier.create(benefit=benefit, tier=tiers[-1])
    tag = await TagDefinition.create(
        code="vip", name="VIP", category=TagCategory.BASIC_INFO, created_at=utcnow()
    )
    for tier in tiers:
        member = await make_member(tier=tier)
        await MemberTag.create(
            member=member, tag=tag, source=TagSource.MANUAL, assigned_at=utcnow()
        )
    admin = await as_role(Role.ADMIN)
    async with count_sql() as counter:
        answer = await admin(_EVERY_KIND)
    assert "errors" not in answer, answer
    assert answer["data"]["tiers"][-1]["benefits"] == [{"code": "lounge"}]
    nodes = [edge["node"] for edge in answer["data"]["members"]["edges"]]
    assert [node["tags"] for node in nodes] == [[{"tag": {"code": "vip"}}]] * len(tiers)
    asked = [sql for sql in counter.statements if VERSION_TABLE in sql]
    assert len(asked) == 1
