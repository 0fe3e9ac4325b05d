"""The one ownership rule: a member reads and acts on their own records only.

A denied cell refuses (UNAUTHENTICATED for anonymous callers, else FORBIDDEN); an
own-records-only cell (SELF) refuses a record whose `owner_member_id` is not the calling
member's. Enforcement (auth/enforce.py) applies it to every guarded field of a record,
the resolvers that fetch a record by its ID to the record itself, a request's shown
values field by field (`may_read`), and an operation on a member to that member
(`acting_member`).
"""

from __future__ import annotations

from auth.actor import Actor
from auth.errors import Forbidden, denial
from auth.policy import Cell
from services.errors import Invalid


def may_read(actor: Actor, cell: Cell, owner_member_id: int | None) -> bool:
    """Whether `cell` admits the caller a record of the member `owner_member_id`."""
    return cell.allowed and (cell.kind != "self" or owner_member_id == actor.member_id)


def check_ownership(
    actor: Actor,
    cell: Cell,
    record: object | None,
    *,
    what: str,
    not_yours: str,
    refuse_missing: bool = False,
) -> None:
    """Refuse the caller `record` unless `cell` admits it: `what` names the data in a
    denial, `not_yours` is the message for another member's record. `record` None (no
    record, or a root field whose resolver scopes itself to the caller) is admitted, or
    under SELF refused like another member's when `refuse_missing`, so that asking for
    an ID tells a member nothing about whether it exists."""
    if not cell.allowed:
        raise denial(actor.is_anonymous, what)
    if cell.kind != "self":
        return
    if record is None:
        if refuse_missing:
            raise Forbidden(not_yours)
        return
    if not may_read(actor, cell, getattr(record, "owner_member_id", None)):
        raise Forbidden(not_yours)


def acting_member(actor: Actor, member_id: int | None, field: tuple[str, ...]) -> int:
    """The member an operation acts on: a member acts on themselves only (their cells
    are SELF), and staff name the member (Invalid at `field` when they do not)."""
    if actor.is_member:
        if member_id is not None and member_id != actor.member_id:
            raise Forbidden("Members may act on their own records only.")
        assert actor.member_id is not None
        return actor.member_id
    if member_id is None:
        raise Invalid("memberId is required for staff.", field)
    return member_id
