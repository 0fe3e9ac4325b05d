"""Masking keeps a value's shape and hides its middle (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Callable


def mask_phone(value: str) -> str:
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_id_number(value: str) -> str:
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    words = value.split()
    if len(words) > 1:
        return f"{words[0][:1]}*** {' '.join(words[1:])}"
    return value[:1] + "*" * (len(value) - 1)


def mask_any(value: str) -> str:
    return value[:1] + "***"


MASKS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "phone": mask_phone,
    "email": mask_email,
    "idNumber": mask_id_number,
}


def mask(field: str, value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, str):
        return "***"
    return MASKS.get(field, mask_any)(value)
