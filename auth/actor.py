"""Who is calling: the one value every permission decision and audit entry starts from."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.enums import Role


@dataclass(frozen=True)
class Actor:
    kind: str  # ANONYMOUS, STAFF or MEMBER
    roles: frozenset[Role] = field(default_factory=frozenset)
    staff_id: int | None = None
    member_id: int | None = None
    session_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "STAFF"

    @property
    def is_member(self) -> bool:
        return self.kind == "MEMBER"

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "ANONYMOUS"

    @property
    def actor_id(self) -> str | None:
        if self.staff_id is not None:
            return f"staff:{self.staff_id}"
        if self.member_id is not None:
            return f"member:{self.member_id}"
        return None


ANONYMOUS = Actor(kind="ANONYMOUS")
SYSTEM = Actor(kind="SYSTEM", roles=frozenset({Role.ADMIN}))
