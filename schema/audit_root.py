"""Root fields of the audit trail: the log and the chain's check."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from resolvers.audit import EntryFilter, audit_entries
from schema.audit import AuditChainReport, AuditEntry, AuditFilter
from schema.context import Info
from schema.pagination import After, Connection, First, paginate
from services import audit as audit_service


async def audit_log(
    info: Info,
    first: First = None,
    after: After = None,
    filter: Annotated[
        AuditFilter | None, strawberry.argument(description="Which entries; default all.")
    ] = None,
) -> Connection[AuditEntry]:
    return await paginate(audit_entries(_entry_filter(filter)), first, after)


def _entry_filter(filter: AuditFilter | None) -> EntryFilter:
    if filter is None:
        return EntryFilter()
    return EntryFilter(
        actor_id=filter.actor_id,
        target_id=filter.target_id,
        field=filter.field,
        outcomes=filter.outcome or (),
        from_=filter.from_,
        to=filter.to,
    )


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
