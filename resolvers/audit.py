"""The audit trail as the log lists it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

from models.audit import AuditEntry as AuditEntryModel
from models.enums import AuditOutcome


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to list: each criterion left empty admits all."""

    actor_id: str | None = None
    target_id: str | None = None
    field: str | None = None
    outcomes: Sequence[AuditOutcome] = ()
    from_: datetime | None = None
    to: datetime | None = None


def _json_contains(
    queryset: QuerySet[AuditEntryModel], column: str, value: str
) -> QuerySet[AuditEntryModel]:
    # JSON arrays are searched as text: portable across SQLite and PostgreSQL.
    alias = f"{column}_text"
    needle = json.dumps(value)
    return queryset.annotate(**{alias: RawSQL(f"CAST({column} AS TEXT)")}).filter(
        **{f"{alias}__contains": needle}
    )


def audit_entries(filter: EntryFilter) -> QuerySet[AuditEntryModel]:
    """The entries `filter` admits, newest first."""
    queryset = AuditEntryModel.all().order_by("-id")
    if filter.actor_id is not None:
        queryset = queryset.filter(actor_id=filter.actor_id)
    if filter.outcomes:
        queryset = queryset.filter(outcome__in=filter.outcomes)
    if filter.from_ is not None:
        queryset = queryset.filter(at__gte=filter.from_)
    if filter.to is not None:
        queryset = queryset.filter(at__lt=filter.to)
    if filter.target_id is not None:
        queryset = _json_contains(queryset, "target_ids", filter.target_id)
    if filter.field is not None:
        queryset = _json_contains(queryset, "fields", filter.field)
    return queryset
