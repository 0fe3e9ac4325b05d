"""The hash-chained audit trail. Append-only: nothing updates or deletes a row."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import AuditOutcome


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=64, null=True, db_index=True)
    roles: fields.JSONField[list[str]] = fields.JSONField(default=list)
    operation_type = fields.CharField(max_length=16)
    operation_name = fields.CharField(max_length=128, null=True)
    fields_: fields.JSONField[list[str]] = fields.JSONField(default=list, source_field="fields")
    variables: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    target_ids: fields.JSONField[list[str]] = fields.JSONField(default=list)
    sensitive_fields: fields.JSONField[list[str]] = fields.JSONField(default=list)
    outcome = fields.CharEnumField(AuditOutcome, max_length=16)
    error_codes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    ip = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=512, null=True)
    request_id = fields.CharField(max_length=64)
    duration_ms = fields.FloatField()
    prev_hash = fields.CharField(max_length=64, null=True)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_entry"


class AuditHead(Model):
    """The single row that serialises appends to the chain, across processes."""

    id = fields.IntField(primary_key=True)
    count = fields.IntField(default=0)
    last_hash = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_head"
