"""No "Did you mean ...?" for callers who may not introspect (issue 21): suggestions
name the fields, arguments, types and enum values introspection hides. In production
(introspection for staff only) anonymous callers get none and staff get them; the
validations kept per document never carry one caller's messages to another."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from models.enums import Role
from tests.app.helpers import api_with
from tests.conftest import staff_token

SUGGESTS = "Did you mean"
# Each misspelling graphql-core answers with a suggestion: in validation (fields,
# arguments, types, enum values and input fields written inline) and in coercing
# variables (enum values and input fields sent as variables).
MISSPELT = {
    "field": ("{ memberz { totalCount } }", None),
    "argument": ("{ members(frist: 1) { totalCount } }", None),
    "type": ("{ ...F } fragment F on Quer { tiers { code } }", None),
    "enum value": (
        "{ members(orderBy: {field: POINTS_BALANC, direction: ASC}) { totalCount } }",
        None,
    ),
    "input field": ('{ members(filter: {serch: "x"}) { totalCount } }', None),
    "enum variable": (
        "query($f: MemberOrderField!) { members(orderBy: {field: $f, direction: ASC}) "
        "{ totalCount } }",
        {"f": "POINTS_BALANC"},
    ),
    "input field variable": (
        "query($f: MemberFilter) { members(filter: $f) { totalCount } }",
        {"f": {"serch": "x"}},
    ),
}
CASES = pytest.mark.parametrize(
    ("query", "variables"), MISSPELT.values(), ids=list(MISSPELT.keys())
)


@asynccontextmanager
async def production(introspection="staff"):
    async with api_with(env="production", introspection=introspection) as api:
        yield api


def _messages(result: dict) -> str:
    assert result.get("data") is None, result
    assert all(error["extensions"]["code"] for error in result["errors"])
    return " ".join(error["message"] for error in result["errors"])


@CASES
async def test_production_gives_anonymous_callers_no_suggestions(db, query, variables):
    async with production() as api:
        assert SUGGESTS not in _messages(await api(query, variables))


@CASES
async def test_production_gives_signed_in_staff_suggestions(db, query, variables):
    async with production() as api:
        token = await staff_token(Role.AUDITOR)
        assert SUGGESTS in _messages(await api(query, variables, token=token))


@CASES
async def test_development_gives_everyone_suggestions(api, query, variables):
    assert SUGGESTS in _messages(await api(query, variables))


async def test_introspection_off_gives_no_one_suggestions(db):
    async with production(introspection="off") as api:
        token = await staff_token(Role.ADMIN)
        for query, variables in MISSPELT.values():
            assert SUGGESTS not in _messages(await api(query, variables, token=token))


@pytest.mark.parametrize("staff_first", [True, False], ids=["staff first", "anonymous first"])
async def test_the_validations_kept_never_pass_suggestions_between_callers(db, staff_first):
    # Given one document text, validated once and kept (shortcuts/documents.py),
    query = "{ tierz { code } }"
    async with production() as api:
        token = await staff_token(Role.ADMIN)
        callers = [token, None] if staff_first else [None, token]
        # when staff and an anonymous caller send it in either order, twice each,
        answers = {caller: [] for caller in callers}
        for caller in callers * 2:
            answers[caller].append(_messages(await api(query, token=caller)))
    # then staff always read the suggestion and the anonymous caller never does.
    assert all(SUGGESTS in message for message in answers[token])
    assert not any(SUGGESTS in message for message in answers[None])
