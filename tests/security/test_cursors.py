"""A cursor the API did not hand out, or one whose offset overflows, is INVALID (issue 21:
an offset past SQLite's 64-bit range answered INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

import base64

import pytest

from models.enums import Role
from schema.pagination import MAX_OFFSET, decode_cursor, encode_cursor
from tests.factories import make_member
from tests.points.helpers import gid


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD = {
    "not base64": "bad",
    "empty": "",
    "other prefix": _b64("offset:5"),
    "negative": _b64("cursor:-1"),
    "exponent": _b64("cursor:1e3"),
    "non-ascii digits": _b64("cursor:١٢"),
    "trailing text": _b64("cursor:5;DROP"),
    "not utf-8": base64.b64encode(b"cursor:\xff").decode(),
    "overflowing": _b64("cursor:99999999999999999999999"),
    "past the bound": _b64(f"cursor:{MAX_OFFSET}"),
    "non-ascii text": "cursör",
}
LISTS = {
    "members": "query($after: String) { members(after: $after) { totalCount } }",
    "staffUsers": "query($after: String) { staffUsers(after: $after) { id } }",
}


@pytest.mark.parametrize("cursor", BAD.values(), ids=BAD.keys())
async def test_a_bad_cursor_is_invalid_at_after(as_role, cursor):
    admin = await as_role(Role.ADMIN)
    for field, query in LISTS.items():
        result = await admin(query, {"after": cursor})
        assert result["data"] is None
        [error] = result["errors"]
        assert error["path"] == [field]
        assert error["extensions"] == {"code": "INVALID", "field": ["after"]}


async def test_a_bad_cursor_of_a_nested_list_is_invalid_there(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    query = """query($id: ID!, $after: String) {
      member(id: $id) { memberNo purchases(after: $after) { totalCount } }
    }"""
    result = await admin(query, {"id": gid(member.id), "after": BAD["overflowing"]})
    assert result["data"]["member"] == {"memberNo": member.member_no, "purchases": None}
    assert result["errors"][0]["extensions"] == {"code": "INVALID", "field": ["after"]}


async def test_the_furthest_cursor_gives_an_empty_page(as_role):
    await make_member()
    admin = await as_role(Role.ADMIN)
    query = "query($after: String) { members(after: $after) { edges { cursor } totalCount } }"
    result = await admin(query, {"after": encode_cursor(MAX_OFFSET - 1)})
    assert "errors" not in result
    assert result["data"] == {"members": {"edges": [], "totalCount": 1}}


def test_a_cursor_handed_out_decodes_to_the_offset_after_it():
    assert [decode_cursor(encode_cursor(offset)) for offset in (0, 41)] == [1, 42]
    assert decode_cursor(None) == 0
