"""The per-request context: who calls, their loaders and audit record, what the policy
gives them. Below schema/, so resolvers take it as a plain value; schema/context.py
wraps it in strawberry's `Info`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from auth.actor import ANONYMOUS, Actor
from auth.audit_record import AuditRecord
from auth.errors import Forbidden
from auth.policy import POLICY, Cell, cell_for
from core.settings import Settings
from resolvers.loaders import Loaders
from services.errors import Invalid


@dataclass
class Context:
    settings: Settings
    loaders: Loaders
    actor: Actor = ANONYMOUS
    request: Any = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    audit: AuditRecord = field(default_factory=AuditRecord)
    response: Any = None
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init
    _cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    @staticmethod
    def new_request_id() -> str:
        return uuid.uuid4().hex

    def cell(self, key: tuple[str, str]) -> Cell:
        """The caller's policy cell for a (type, field), computed once per request."""
        cached = self._cells.get(key)
        if cached is None:
            cached = cell_for(key, self.actor.roles) if key in POLICY else Cell("full")
            self._cells[key] = cached
        return cached

    def scope_member(self, member_id: int | None, field: tuple[str, ...]) -> int:
        """The member an operation acts on: a member acts only on themselves (SELF cells)."""
        if self.actor.is_member:
            if member_id is not None and member_id != self.actor.member_id:
                raise Forbidden("Members may act on their own records only.")
            assert self.actor.member_id is not None
            return self.actor.member_id
        if member_id is None:
            raise Invalid("memberId is required for staff.", field)
        return member_id
