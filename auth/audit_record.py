"""What one request contributes to its audit entry, gathered while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from schema.ids import to_global_id


@dataclass
class AuditRecord:
    target_ids: list[str] = field(default_factory=list)
    sensitive_fields: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)

    def target(self, global_id: str) -> None:
        if global_id not in self.target_ids:
            self.target_ids.append(global_id)

    def target_member(self, member_id: int) -> None:
        """Most operations act on one member: their record is the target."""
        self.target(to_global_id("Member", member_id))

    def read_clear(self, label: str, global_id: str | None) -> None:
        if label not in self.sensitive_fields:
            self.sensitive_fields.append(label)
        if global_id is not None:
            self.target(global_id)

    def user_error(self, code: str) -> None:
        self.error_codes.append(code)
