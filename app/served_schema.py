"""The schema this process serves: schema/root.py's, with the app's extensions around
its own, built once."""

from __future__ import annotations

from functools import lru_cache

import strawberry

from app.admission import Admission
from app.observability import OperationObserver
from schema.root import build_schema, own_extensions


@lru_cache(maxsize=1)
def served_schema() -> strawberry.Schema:
    # The observer outermost: its log line and metrics see how the audit's commit went.
    # Admission innermost: an operation it refuses is still audited.
    return build_schema([OperationObserver, *own_extensions(), Admission])


def export_sdl() -> str:
    """The exported SDL (schema.graphql at the root), checked for drift by a test."""
    return str(served_schema()) + "\n"
