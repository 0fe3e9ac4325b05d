"""What one request contributes to its audit entry, gathered while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ids import to_global_id


@dataclass
class AuditRecord:
    # Insertion-ordered sets: a page of members adds a hundred targets, each checked.
    target_ids: dict[str, None] = field(default_factory=dict)
    sensitive_fields: dict[str, None] = field(default_factory=dict)
    error_codes: list[str] = field(default_factory=list)
    # Failures outside the result (a commit that failed, a deadline): their codes.
    faults: list[str] = field(default_factory=list)

    def target(self, global_id: str) -> None:
        self.target_ids[global_id] = None

    def target_member(self, member_id: int) -> None:
        """Most operations act on one member: their record is the target."""
        self.target(to_global_id("Member", member_id))

    def read_clear(self, label: str, global_id: str | None) -> None:
        self.sensitive_fields[label] = None
        if global_id is not None:
            self.target(global_id)

    def user_error(self, code: str) -> None:
        self.error_codes.append(code)

    def fault(self, code: str) -> None:
        self.faults.append(code)
