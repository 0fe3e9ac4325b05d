"""auth/ownership.py: the one check of a caller's cell against a record's owner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auth.actor import ANONYMOUS, Actor
from auth.errors import Forbidden, Unauthenticated
from auth.ownership import acting_member, check_ownership, may_read
from auth.policy import DENIED, FULL, MASKED, SELF, SELF_MASKED
from models.enums import Role
from services.errors import Invalid

MEMBER = Actor(kind="MEMBER", roles=frozenset({Role.MEMBER}), member_id=7)
STAFF = Actor(kind="STAFF", roles=frozenset({Role.ANALYST}), staff_id=3)
NOT_YOURS = "Members may read their own rows only."


@dataclass
class Row:
    owner_member_id: int | None


def _check(actor: Actor, cell, record, **options) -> None:
    check_ownership(actor, cell, record, what="rows", not_yours=NOT_YOURS, **options)


def test_a_denied_cell_refuses_naming_the_data():
    with pytest.raises(Forbidden, match="^Your role may not read rows.$"):
        _check(STAFF, DENIED, Row(7))
    with pytest.raises(Unauthenticated, match="^Sign in to read rows.$"):
        _check(ANONYMOUS, DENIED, None)


@pytest.mark.parametrize("cell", [FULL, MASKED])
def test_a_staff_cell_admits_any_record_or_none(cell):
    _check(STAFF, cell, Row(8))
    _check(STAFF, cell, None, refuse_missing=True)


@pytest.mark.parametrize("cell", [SELF, SELF_MASKED])
def test_an_own_records_cell_admits_the_callers_record_only(cell):
    _check(MEMBER, cell, Row(7))
    for record in (Row(8), Row(None), object()):
        with pytest.raises(Forbidden, match=f"^{NOT_YOURS}$"):
            _check(MEMBER, cell, record)


def test_a_missing_record_is_refused_only_when_asked():
    # Given no record under an own-records cell: admitted (the caller gets null), unless the
    # caller hides whether an ID exists, when it is refused like another member's.
    _check(MEMBER, SELF, None)
    with pytest.raises(Forbidden, match=f"^{NOT_YOURS}$"):
        _check(MEMBER, SELF, None, refuse_missing=True)


def test_may_read_answers_as_the_check_does():
    assert (
        may_read(STAFF, FULL, 8) and may_read(MEMBER, SELF, 7) and may_read(MEMBER, SELF_MASKED, 7)
    )
    assert not may_read(MEMBER, SELF, 8) and not may_read(STAFF, DENIED, 7)


def test_a_member_acts_on_themselves_and_staff_name_the_member():
    assert acting_member(MEMBER, None, ("input", "memberId")) == 7
    assert acting_member(MEMBER, 7, ("input", "memberId")) == 7
    with pytest.raises(Forbidden, match="own records only"):
        acting_member(MEMBER, 8, ("input", "memberId"))
    assert acting_member(STAFF, 8, ("input", "memberId")) == 8
    with pytest.raises(Invalid) as refused:
        acting_member(STAFF, None, ("input", "memberId"))
    assert refused.value.field == ["input", "memberId"]
