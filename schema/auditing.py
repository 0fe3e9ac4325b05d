"""Accounting (DESIGN §4): the schema extension that writes one audit entry per operation.

It is the only writer of AuditEntry. Variables are stored with secrets redacted and
personal data withheld, so erasing a member never has to touch the chain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql import OperationType as GraphQLOperationType
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from auth.audit_record import AuditRecord
from models.audit import AuditEntry
from models.enums import AuditOutcome
from schema.errors import code_of, unexpected
from schema.refusals import refusal_code
from services import audit as audit_service
from services import units
from services.clock import utcnow
from services.units import Unit
from shortcuts.by_identity import ByIdentity
from shortcuts.documents import find_operation, operation_name

log = logging.getLogger("memberhub.errors")

SECRET_KEYS = frozenset({"password", "currentPassword", "newPassword", "token", "activationCode"})
PII_KEYS = frozenset(
    {
        "name",
        "phone",
        "email",
        "address",
        "idNumber",
        "birthDate",
        "content",
        "description",
        "message",
        "comment",
        "note",
        "reason",
        "search",
        "identifier",
        "subject",
        "resolution",
        "reference",
        "referralCode",
    }
)
REDACTED = "[REDACTED]"
PII = "[PII]"
# Anonymous reads of these alone are the public catalogue: not audited (DESIGN §4).
CATALOGUE_FIELDS = frozenset({"tiers", "benefits", "viewer", "__typename", "__schema", "__type"})
DENIAL_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED"})


class _Binder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.roles: dict[str, str] = {}

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if isinstance(node.value, VariableNode):
            self.roles[node.value.name.value] = node.name.value

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        if isinstance(node.value, VariableNode):
            self.roles[node.value.name.value] = node.name.value


# Worked out once per parsed operation (the parser cache hands out one per query text).
_ROLES: ByIdentity[dict[str, str]] = ByIdentity(kept=256)


def _variable_roles(operation: OperationDefinitionNode | None) -> dict[str, str]:
    """Variable name -> the argument or input field it feeds (`password: $p` -> p: password)."""
    if operation is None:
        return {}
    return _ROLES.get([operation], None, lambda: _bound(operation))


def _bound(operation: OperationDefinitionNode) -> dict[str, str]:
    binder = _Binder()
    visit(operation, binder)
    return binder.roles


def redact_variables(variables: dict[str, Any], operation: OperationDefinitionNode | None) -> Any:
    """Redact by what a variable feeds, not by its (client-chosen) name."""
    roles = _variable_roles(operation)
    return {name: _redact_item(roles.get(name, name), value) for name, value in variables.items()}


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _redact_item(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in SECRET_KEYS:
        return REDACTED
    if key in PII_KEYS:
        return PII
    return redact(value)


def _root_fields(operation: OperationDefinitionNode | None) -> list[str]:
    if operation is None:
        return []
    return [sel.name.value for sel in operation.selection_set.selections if hasattr(sel, "name")]


def outcome_of(error_codes: list[str], user_error: bool) -> AuditOutcome:
    if "INTERNAL_SERVER_ERROR" in error_codes:
        return AuditOutcome.ERROR
    if DENIAL_CODES.intersection(error_codes):
        return AuditOutcome.DENIED
    if error_codes:
        return AuditOutcome.USER_ERROR if user_error else AuditOutcome.ERROR
    return AuditOutcome.OK


def codes_and_outcome(ctx: Any) -> tuple[list[str], AuditOutcome]:
    """An operation's error codes (its GraphQL errors' and its payloads' UserErrors') and
    the outcome they make; shared by the audit entry and the operation log."""
    result = ctx.result
    errors = getattr(result, "errors", None) or ctx.pre_execution_errors or []
    record = ctx.context.audit
    codes = [code_of(error) for error in errors] + record.error_codes + record.faults
    return codes, outcome_of(codes, bool(record.error_codes))


class AuditExtension(SchemaExtension):
    """Writes every operation's entry. A mutation runs as a unit of work: its changes and
    its entry commit in one transaction (DESIGN §4), so no crash leaves a change
    unrecorded. Any other operation's entry, and that of a mutation that changed nothing,
    joins a group commit."""

    started = 0.0
    recorded = False
    # What waits for this operation: the entries' group commit, the units' batch.
    expected: units.Counted | None = None
    pending: units.Counted | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        self.started = time.perf_counter()
        context = self.execution_context.context
        # Writes wait a moment for the entries and units of operations still running, to
        # commit them together; a subscription may run for hours, so no write waits for
        # an operation over a WebSocket.
        if isinstance(context.request, WebSocket):  # many operations: a record for each
            context.audit = AuditRecord()
        else:
            self.expected = audit_service.expect_entry()
            self.pending = units.expect_writes()
        # Only a mutation writes, so only a mutation's unit begins: the others pass through
        # untouched. Its commit comes once its answer is shaped.
        unit = units.start_unit(audit_service.chain)
        try:
            try:
                yield
                if unit.begun:
                    _release(self.expected)  # its entry commits with its unit
                    await self._commit(unit)
            except BaseException as error:
                refused = refusal_code(error)
                if refused is not None:  # the request named no operation it may run here
                    context.audit.fault(refused)
                    # Its answer is the refusal alone, whatever validation found before.
                    self.execution_context.pre_execution_errors = None
                await units.end_unit(unit, error)
                raise
            await units.end_unit(unit, None)
        finally:
            _release(self.pending)
            # A subscription's stream is closed, not run to its end: audit it all the same.
            entry = None if self.recorded else self._entry()
            if entry is not None:
                await self._append(entry)
            _release(self.expected)

    def on_execute(self) -> Iterator[None]:
        operation = find_operation(self.execution_context)
        if operation is None or operation.operation is not GraphQLOperationType.MUTATION:
            units.writes_nothing()
            _release(self.pending)  # no batch waits for it
        yield

    async def _commit(self, unit: Unit) -> None:
        entry = self._entry()
        assert entry is not None  # a mutation is always audited
        try:
            await unit.commit([entry])
        except asyncio.CancelledError:
            self.recorded = unit.committed  # whether its batch committed it, with the entry
            raise
        except Exception as error:
            # Neither the change nor its entry is kept; the refusal is audited apart.
            raise self._failed("mutation commit failed", error) from error
        self.recorded = True

    async def _append(self, entry: audit_service.Entry) -> None:
        try:
            await audit_service.append(entry)
        except Exception as error:
            # The operation has run, but may not answer as if it were accounted for, nor
            # hand the database's words to the client.
            raise self._failed("audit write failed", error) from error

    def _failed(self, what: str, error: Exception) -> GraphQLError:
        context = self.execution_context.context
        log.error("%s (request id %s)", what, context.request_id, exc_info=error)
        context.audit.fault("INTERNAL_SERVER_ERROR")
        return unexpected(context.request_id)

    def _entry(self) -> audit_service.Entry | None:
        ctx = self.execution_context
        context = ctx.context
        operation = find_operation(ctx)
        fields = _root_fields(operation)
        op_type = operation.operation.value if operation is not None else "unknown"
        actor = context.actor
        if actor.is_anonymous and op_type == "query" and set(fields) <= CATALOGUE_FIELDS:
            return None
        codes, outcome = codes_and_outcome(ctx)
        return audit_service.Entry(
            at=utcnow(),
            actor_type=actor.kind,
            actor_id=actor.actor_id,
            roles=sorted(role.value for role in actor.roles),
            operation_type=op_type,
            operation_name=_clipped(operation_name(ctx), "operation_name"),
            fields_=fields,
            variables=audit_service.bounded_variables(
                redact_variables(ctx.variables or {}, operation)
            ),
            target_ids=list(context.audit.target_ids),
            sensitive_fields=list(context.audit.sensitive_fields),
            outcome=outcome,
            error_codes=sorted(set(codes)),
            ip=_clipped(context.ip, "ip"),
            user_agent=_clipped(context.user_agent, "user_agent"),
            request_id=context.request_id,
            duration_ms=(time.perf_counter() - self.started) * 1000,
        )


def _release(counted: units.Counted | None) -> None:
    if counted is not None:
        counted.release()


def _clipped(text: str | None, field: str) -> str | None:
    """Client-chosen text as its column keeps it: cut to the column's width, without the
    characters no database stores. Either failed the chain write, and with it the entries
    of every operation written together."""
    # Each field named here is a CharField (fields_map is typed with the base Field).
    width = AuditEntry._meta.fields_map[field].max_length  # type: ignore[attr-defined]
    return audit_service.storable(text[:width]) if text else None
