"""The audit trail as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from core.ids import to_global_id
from models.audit import AuditEntry as AuditEntryModel
from schema.common import Node, model_type
from schema.enums import AuditOutcome, Role


@model_type(
    AuditEntryModel,
    description="One audited operation (every operation except anonymous catalogue reads, "
    "and every job run). Entries are append-only and hash-chained; verifyAuditChain detects "
    'an edited or deleted one. Personal data in variables is withheld as "[PII]".',
)
class AuditEntry(Node):
    at: datetime = strawberry.field(description="When the operation ran (UTC).")
    actor_type: str = strawberry.field(
        description="Who ran it: STAFF, MEMBER, ANONYMOUS, or SYSTEM for a job."
    )
    actor_id: str | None = strawberry.field(
        description='"staff:<id>" or "member:<id>" (database ids); null for ANONYMOUS and SYSTEM.'
    )
    roles: list[Role] = strawberry.field(description="The actor's roles at the time.")
    operation_type: str = strawberry.field(
        description="query, mutation or subscription; job for a job run."
    )
    operation_name: str | None = strawberry.field(
        description="The operation's name as the client sent it, or the job's name."
    )
    variables: JSON | None = strawberry.field(
        description='Variables with secrets (passwords, tokens, codes) replaced by "[REDACTED]".'
    )
    target_ids: list[str] = strawberry.field(
        description="Global IDs of the records the operation changed or whose restricted "
        "fields it read."
    )
    sensitive_fields: list[str] = strawberry.field(
        description='Restricted fields read in clear, e.g. ["Member.idNumber"].'
    )
    outcome: AuditOutcome = strawberry.field(description="How it ended.")
    error_codes: list[str] = strawberry.field(
        description="Codes of the errors and UserErrors it answered with, each once."
    )
    ip: str | None = strawberry.field(description="The client's address.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent header.")
    request_id: str = strawberry.field(
        description="The request's id, as in the logs and in INTERNAL_SERVER_ERROR messages."
    )
    duration_ms: float = strawberry.field(description="How long it took, in milliseconds.")
    hash: str = strawberry.field(
        description="SHA-256 (hex) over prevHash and the entry's canonical JSON."
    )
    prev_hash: str | None = strawberry.field(
        description="hash of the entry before it; null for the first entry."
    )

    @strawberry.field(description="Global ID of the entry.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("AuditEntry", self.id))

    @strawberry.field(description='Root fields the operation touched, e.g. ["redeemPoints"].')
    def fields(self) -> list[str]:
        return self.fields_


@strawberry.input(description="Which audit entries to list; every condition given must hold.")
class AuditFilter:
    actor_id: str | None = strawberry.field(
        default=None, description='Entries of this actor, as actorId gives it ("staff:12").'
    )
    target_id: str | None = strawberry.field(
        default=None, description="Entries naming this record's global ID in targetIds."
    )
    field: str | None = strawberry.field(
        default=None, description='Entries of operations on this root field, e.g. "redeemPoints".'
    )
    outcome: list[AuditOutcome] | None = strawberry.field(
        default=None, description="Entries with any of these outcomes."
    )
    from_: datetime | None = strawberry.field(
        name="from", default=None, description="Entries at or after this time."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Entries before this time (exclusive)."
    )


@strawberry.type(description="Result of checking the audit hash chain.")
class AuditChainReport:
    ok: bool = strawberry.field(description="True when every entry's hash is intact.")
    checked: int = strawberry.field(description="Entries checked.")
    first_broken_id: strawberry.ID | None = strawberry.field(
        description="First entry whose hash does not match its content or its predecessor."
    )
