"""The per-request context: who calls, their loaders and audit record, what the policy
gives them. Below schema/, so resolvers take it as a plain value; schema/context.py
wraps it in strawberry's `Info`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from auth.actor import ANONYMOUS, Actor
from auth.audit_record import AuditRecord
from auth.ownership import acting_member
from auth.policy import POLICY, Cell, cell_for
from core.settings import Settings
from resolvers.loaders import Loaders


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
        """The member an operation acts on (`acting_member`, auth/ownership.py)."""
        return acting_member(self.actor, member_id, field)
