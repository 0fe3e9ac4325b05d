"""Introspection gate (DESIGN §5): on, staff (signed-in staff only) or off. The
validation rule that enforces it is added by schema/documents.py."""

from __future__ import annotations


def introspection_allowed(mode: str, is_staff: bool) -> bool:
    return mode == "on" or (mode == "staff" and is_staff)
