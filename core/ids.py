"""Relay global IDs: base64 of "Type:pk". Refusing a malformed one is the resolvers' part
(resolvers/ids.py): it is an input error, which this bottom module cannot raise."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache


# A page asks for the same ids again (a member's id, and each clear read of its fields
# names the member), and the next page for many of the same.
@lru_cache(maxsize=16_384)
def to_global_id(type_name: str, pk: int | str) -> str:
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).decode()


def split_global_id(global_id: str) -> tuple[str, str] | None:
    """(type, pk) of a global ID; None when it is not one."""
    try:
        text = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = text.partition(":")
    if not sep or not type_name or not pk:
        return None
    return type_name, pk
