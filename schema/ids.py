"""Relay global IDs: base64 of "Type:pk". The one decoder every resolver uses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from functools import lru_cache

from services.errors import Invalid


# A page asks for the same ids again (a member's id, and each clear read of its fields
# names the member), and the next page for many of the same.
@lru_cache(maxsize=16_384)
def to_global_id(type_name: str, pk: int | str) -> str:
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).decode()


def from_global_id(global_id: str) -> tuple[str, str]:
    """(type, pk) of a global ID; raises Invalid when it is not one."""
    try:
        text = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid(f"{global_id!r} is not a valid ID.") from None
    type_name, sep, pk = text.partition(":")
    if not sep or not type_name or not pk:
        raise Invalid(f"{global_id!r} is not a valid ID.")
    return type_name, pk


def decode_id(global_id: str, only_type: str, field: Sequence[str] = ("input", "id")) -> int:
    """The primary key of a global ID of `only_type`; Invalid at `field` otherwise."""
    try:
        type_name, pk = from_global_id(global_id)
    except Invalid as error:
        raise Invalid(error.message, field) from None
    if type_name != only_type or not pk.isdigit() or len(pk) > 18:
        raise Invalid(f"{global_id!r} is not a {only_type} ID.", field)
    return int(pk)
