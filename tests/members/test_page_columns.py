"""A page of members reads only the columns its selection needs (issue 7), and answers
every field it narrows for exactly as a page that reads every column."""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type

from app.served_schema import served_schema
from models.enums import Role
from shortcuts import columns
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql


def _narrowed_fields() -> list[str]:
    served_schema()
    return sorted(columns._READ_BY["Member"])


def _selection(field_name: str) -> str:
    """`field` with its leaves (no arguments) when it is an object."""
    member = served_schema()._schema.type_map["Member"]
    graphql_type = get_named_type(member.fields[field_name].type)  # type: ignore[attr-defined]
    if is_leaf_type(graphql_type):
        return field_name
    assert isinstance(graphql_type, GraphQLObjectType)
    leaves = [
        name
        for name, field in graphql_type.fields.items()
        if not field.args and is_leaf_type(get_named_type(field.type))
    ]
    return f"{field_name} {{ {' '.join(leaves)} }}"


def _page(selection: str) -> str:
    return f"{{ members(first: 5) {{ edges {{ node {{ {selection} }} }} }} }}"


@pytest.fixture
async def members_in_tiers() -> None:
    tiers = await make_tiers()
    for index in range(3):
        await make_member(tier=tiers[index], birth_date=None if index else "1990-02-03")  # type: ignore[arg-type]


@pytest.mark.parametrize("field_name", _narrowed_fields())
async def test_a_narrowed_field_reads_as_with_every_column(
    as_role, members_in_tiers, monkeypatch, field_name
) -> None:
    admin = await as_role(Role.ADMIN)
    query = _page(f"memberNo {_selection(field_name)}")

    narrowed = await admin(query)
    monkeypatch.setattr(columns, "columns_for", lambda model, selection: None)
    whole = await admin(query)

    assert "errors" not in narrowed, narrowed
    assert narrowed == whole


async def test_the_console_page_reads_only_the_columns_it_shows(as_role, members_in_tiers) -> None:
    admin = await as_role(Role.ADMIN)
    async with count_sql() as counter:
        result = await admin(
            _page("id memberNo name phone status joinedAt tier { code } tags { source }")
        )
    assert "errors" not in result, result

    [page] = [sql for sql in counter.statements if 'FROM "member" ORDER BY' in sql]
    chosen = page.split(" FROM ")[0]
    for column in ("id", "member_no", "name", "phone", "status", "joined_at", "tier_id"):
        assert f'"{column}"' in chosen
    assert '"points_balance"' not in chosen


async def test_a_field_not_known_to_read_only_its_own_columns_reads_every_column(
    as_role, members_in_tiers
) -> None:
    admin = await as_role(Role.ADMIN)
    async with count_sql() as counter:
        result = await admin(_page("memberNo pointsBalance benefits { eligible }"))
    assert "errors" not in result, result

    [page] = [sql for sql in counter.statements if 'FROM "member" ORDER BY' in sql]
    assert '"id_number_enc"' in page.split(" FROM ")[0]
