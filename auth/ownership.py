"""The one ownership check: whether the caller may read a record, by their policy cell.

A denied cell refuses (UNAUTHENTICATED for anonymous callers, else FORBIDDEN); an
own-records-only cell (SELF) refuses a record whose `owner_member_id` is not the calling
member's. Enforcement (auth/enforce.py) applies it to every guarded field of a record,
and the resolvers that fetch a record by its ID apply it to the record itself.
"""

from __future__ import annotations

from auth.actor import Actor
from auth.errors import Forbidden, denial
from auth.policy import Cell


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
    if getattr(record, "owner_member_id", None) != actor.member_id:
        raise Forbidden(not_yours)
