"""Every role x cell of auth/policy.py, generated from the table itself (STYLE §2).

Root fields: each role (and an anonymous caller) sends a minimal operation built from
the schema; a denied cell must answer FORBIDDEN (UNAUTHENTICATED when anonymous) at
that path, an allowed one must not. Type fields: the record is read as every role and
compared with what ADMIN reads: clear, masked, own-record only, or null + FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from app.served_schema import served_schema
from auth.masking import mask
from auth.policy import POLICY, PUBLIC_ROOT_FIELDS, Cell, cell_for
from core.ids import to_global_id
from models.enums import Role
from models.member import MembershipApplication
from services.clock import utcnow
from tests.campaigns.helpers import approved
from tests.conftest import member_token, staff_token
from tests.factories import make_member

GRAPHQL = served_schema()._schema
DENIALS = {"FORBIDDEN", "UNAUTHENTICATED"}
SCALAR_SAMPLES = {
    "ID": "eA==",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2024-01-01T00:00:00+00:00",
    "Date": "2000-01-01",
    "Decimal": "1.00",
    "JSON": {},
}


def _sample(type_: Any) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _sample(f.type)
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(type_, GraphQLScalarType)
    return SCALAR_SAMPLES[type_.name]


def _selection(type_: Any) -> str:
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if "totalCount" in named.fields:
        return "{ totalCount }"
    return "{ __typename }"


def _root_operation(type_name: str, field: str) -> tuple[str, dict[str, Any]]:
    root = GRAPHQL.query_type if type_name == "Query" else GRAPHQL.mutation_type
    definition = root.fields[field]  # type: ignore[union-attr]
    required = {n: a for n, a in definition.args.items() if isinstance(a.type, GraphQLNonNull)}
    params = ", ".join(f"${n}: {a.type}" for n, a in required.items())
    args = ", ".join(f"{n}: ${n}" for n in required)
    keyword = "query" if type_name == "Query" else "mutation"
    text = f"{keyword}{f'({params})' if params else ''} {{ {field}{f'({args})' if args else ''} "
    text += f"{_selection(definition.type)} }}"
    return text, {n: _sample(a.type) for n, a in required.items()}


ROOT_KEYS = sorted(
    k
    for k in POLICY
    if k[0] in ("Query", "Mutation")
    and k[1] in (GRAPHQL.query_type if k[0] == "Query" else GRAPHQL.mutation_type).fields  # type: ignore[union-attr]
)
CALLERS = [None, *Role]


def _denial_codes(result: dict[str, Any], path: list[Any]) -> set[str]:
    return {
        error.get("extensions", {}).get("code")
        for error in result.get("errors", [])
        if error.get("path") == path and error.get("extensions", {}).get("code") in DENIALS
    }


async def _token_for(role: Role | None, member_id: int) -> str | None:
    if role is None:
        return None
    if role is Role.MEMBER:
        return await member_token(member_id)
    return await staff_token(role, f"matrix-{role.value.lower()}")


def test_every_root_field_is_decided_by_the_policy():
    # Given the schema's root fields, when each is looked up, then the table decides it.
    for root, type_name in ((GRAPHQL.query_type, "Query"), (GRAPHQL.mutation_type, "Mutation")):
        for field in root.fields:
            key = (type_name, field)
            assert key in POLICY or key in PUBLIC_ROOT_FIELDS, f"{key} has no policy row"


def test_every_policy_row_names_a_schema_field():
    for type_name, field in POLICY:
        graphql_type = GRAPHQL.type_map.get(type_name)
        assert graphql_type is not None and field in graphql_type.fields, (type_name, field)


@pytest.mark.parametrize("key", ROOT_KEYS, ids=[f"{t}.{f}" for t, f in ROOT_KEYS])
async def test_root_field_cells(api, key):
    member = await make_member()
    text, variables = _root_operation(*key)
    for role in CALLERS:
        token = await _token_for(role, member.id)
        result = await api(text, variables, token=token)
        codes = _denial_codes(result, [key[1]])
        cell = cell_for(key, [role]) if role else Cell("-")
        expected = (
            ({"UNAUTHENTICATED"} if role is None else {"FORBIDDEN"}) if not cell.allowed else set()
        )
        assert codes == expected, (role, key, result.get("errors"))


# -- type fields ---------------------------------------------------------------------

REACH = {
    "Member": ("query($id: ID!) { member(id: $id) { FIELD } }", ["member"]),
    "MembershipApplication": (
        "{ membershipApplications(first: 1) { edges { node { FIELD } } } }",
        ["membershipApplications", "edges", 0, "node"],
    ),
    "StaffUser": ("{ viewer { staff { FIELD } } }", ["viewer", "staff"]),
    "Tier": ("{ tiers { FIELD } }", ["tiers", 0]),
    "Campaign": (
        "{ campaigns(first: 1) { edges { node { FIELD } } } }",
        ["campaigns", "edges", 0, "node"],
    ),
}
TYPE_KEYS = sorted(
    k for k in POLICY if k[0] in REACH and k[1] in getattr(GRAPHQL.type_map.get(k[0]), "fields", {})
)


def _dig(data: Any, path: list[Any]) -> Any:
    for step in path:
        if data is None:
            return None
        data = data[step]
    return data


async def _world() -> dict[str, Any]:
    member = await make_member(name="张三丰")
    other = await make_member(name="John Smith")
    await MembershipApplication.create(
        name="李四",
        phone="13800138000",
        email="li@example.com",
        channel="APP",
        submitted_at=utcnow(),
        member=member,
    )
    await approved(bonus_points=1)
    return {"id": to_global_id("Member", member.id), "member": member, "other": other}


@pytest.mark.parametrize("key", TYPE_KEYS, ids=[f"{t}.{f}" for t, f in TYPE_KEYS])
async def test_type_field_cells(api, key):
    type_name, field = key
    world = await _world()
    template, base = REACH[type_name]
    selection = field + " " + _selection(GRAPHQL.type_map[type_name].fields[field].type)
    text = template.replace("FIELD", selection)
    variables = {"id": world["id"]} if "$id" in text else {}
    clear = _dig(
        (await api(text, variables, token=await staff_token(Role.ADMIN, "matrix-ref")))["data"],
        [*base, field],
    )
    for role in Role:
        if type_name == "StaffUser" and role is Role.MEMBER:
            continue  # members reach staff only through records; see the points tests
        token = await _token_for(role, world["member"].id)
        result = await api(text, variables, token=token)
        cell = cell_for(key, [role])
        value = _dig(result.get("data"), [*base, field])
        root_denied = _denial_codes(result, base[:1])
        if not cell.allowed:
            assert value is None and (root_denied or _denial_codes(result, [*base, field])), (
                role,
                key,
                result,
            )
            continue
        assert not root_denied and not _denial_codes(result, [*base, field]), (role, key, result)
        if type_name == "StaffUser":
            continue  # each caller reads their own account: no shared reference value
        if isinstance(clear, str) and cell.masked:
            assert value == mask(field, clear), (role, key, value)
        elif not isinstance(clear, dict | list):
            assert value == clear, (role, key, value)
        else:
            assert value is not None, (role, key)
    if POLICY[key].get(Role.MEMBER, Cell("-")).kind == "self" and type_name == "Member":
        # Given a member, when they read another member's record, then nothing of it arrives.
        other_id = to_global_id("Member", world["other"].id)
        result = await api(text, {"id": other_id}, token=await member_token(world["member"].id))
        assert _dig(result.get("data"), ["member"]) is None
        assert _denial_codes(result, ["member"]) == {"FORBIDDEN"}
