"""The audit trail as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from models.audit import AuditEntry as AuditEntryModel
from schema.common import Node, model_type
from schema.enums import AuditOutcome, Role
from schema.ids import to_global_id


@model_type(AuditEntryModel)
class AuditEntry(Node):
    at: datetime
    actor_type: str
    actor_id: str | None
    roles: list[Role]
    operation_type: str
    operation_name: str | None
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
    outcome: AuditOutcome
    error_codes: list[str]
    ip: str | None
    user_agent: str | None
    request_id: str
    duration_ms: float
    hash: str
    prev_hash: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("AuditEntry", self.id))

    @strawberry.field(description='Root fields the operation touched, e.g. ["redeemPoints"].')
    def fields(self) -> list[str]:
        return self.fields_


@strawberry.input
class AuditFilter:
    actor_id: str | None = None
    target_id: str | None = None
    field: str | None = None
    outcome: list[AuditOutcome] | None = None
    from_: datetime | None = strawberry.field(name="from", default=None)
    to: datetime | None = None


@strawberry.type
class AuditChainReport:
    ok: bool
    checked: int
    first_broken_id: strawberry.ID | None = strawberry.field(
        description="First entry whose hash does not match its content or its predecessor."
    )
