"""Global IDs as clients send them: decoded, or refused as Invalid. The one decoder every
resolver uses."""

from __future__ import annotations

from collections.abc import Sequence

from core.ids import split_global_id
from services.errors import Invalid


def from_global_id(global_id: str) -> tuple[str, str]:
    """(type, pk) of a global ID; raises Invalid when it is not one."""
    parts = split_global_id(global_id)
    if parts is None:
        raise Invalid(f"{global_id!r} is not a valid ID.")
    return parts


def decode_id(global_id: str, only_type: str, field: Sequence[str] = ("input", "id")) -> int:
    """The primary key of a global ID of `only_type`; Invalid at `field` otherwise."""
    try:
        type_name, pk = from_global_id(global_id)
    except Invalid as error:
        raise Invalid(error.message, field) from None
    if type_name != only_type or not pk.isdigit() or len(pk) > 18:
        raise Invalid(f"{global_id!r} is not a {only_type} ID.", field)
    return int(pk)
