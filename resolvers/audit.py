"""Audit trail queries."""

from __future__ import annotations

import json
from typing import Annotated

import strawberry
from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.audit import AuditEntry as AuditEntryModel
from schema.audit import AuditChainReport, AuditEntry, AuditFilter
from schema.context import Info
from schema.pagination import After, Connection, First, paginate
from services import audit as audit_service


def _json_contains(
    queryset: QuerySet[AuditEntryModel], column: str, value: str
) -> QuerySet[AuditEntryModel]:
    # JSON arrays are searched as text: portable across SQLite and PostgreSQL.
    alias = f"{column}_text"
    needle = json.dumps(value)
    return queryset.annotate(**{alias: RawSQL(f"CAST({column} AS TEXT)")}).filter(
        **{f"{alias}__contains": needle}
    )


def _filtered(filter: AuditFilter | None) -> QuerySet[AuditEntryModel]:
    queryset = AuditEntryModel.all().order_by("-id")
    if filter is None:
        return queryset
    if filter.actor_id is not None:
        queryset = queryset.filter(actor_id=filter.actor_id)
    if filter.outcome:
        queryset = queryset.filter(outcome__in=filter.outcome)
    if filter.from_ is not None:
        queryset = queryset.filter(at__gte=filter.from_)
    if filter.to is not None:
        queryset = queryset.filter(at__lt=filter.to)
    if filter.target_id is not None:
        queryset = _json_contains(queryset, "target_ids", filter.target_id)
    if filter.field is not None:
        queryset = _json_contains(queryset, "fields", filter.field)
    return queryset


async def audit_log(
    info: Info,
    first: First = None,
    after: After = None,
    filter: Annotated[
        AuditFilter | None, strawberry.argument(description="Which entries; default all.")
    ] = None,
) -> Connection[AuditEntry]:
    return await paginate(_filtered(filter), first, after)


async def verify_audit_chain(info: Info) -> AuditChainReport:
    report = await audit_service.verify_chain()
    broken = report.first_broken_id
    return AuditChainReport(
        ok=report.ok,
        checked=report.checked,
        first_broken_id=strawberry.ID(to_global_id("AuditEntry", broken)) if broken else None,
    )


@strawberry.type
class AuditQuery:
    audit_log: Connection[AuditEntry] = strawberry.field(
        resolver=audit_log, description="The audit trail, newest entry first."
    )
    verify_audit_chain: AuditChainReport = strawberry.field(
        resolver=verify_audit_chain,
        description="Recompute the audit hash chain from the first entry and report the first "
        "entry that was edited, or after a deleted one.",
    )
