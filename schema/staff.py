"""Identity: staff users, viewers, sessions, and the sign-in mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.staff import StaffUser as StaffUserModel
from schema.common import Node, UserError, model_type
from schema.enums import Role
from schema.ids import to_global_id

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]


@model_type(StaffUserModel)
class StaffUser(Node):
    # Non-null as the contract has them: a member denied these (they see displayName
    # only) gets the FORBIDDEN error and a null reference, never a half-filled one.
    username: str
    display_name: str
    roles: list[Role]
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("StaffUser", self.id))


@strawberry.type
class Viewer:
    roles: list[Role] = strawberry.field(
        description="ANONYMOUS callers get roles [] and neither staff nor member."
    )
    staff: StaffUser | None
    member: MemberRef | None


@strawberry.type
class Session:
    token: str = strawberry.field(
        description="Bearer token for the Authorization header. Shown once."
    )
    expires_at: datetime
    viewer: Viewer


@strawberry.type
class LoginPayload:
    session: Session | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffUserPayload:
    staff_user: StaffUser | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class StaffLoginInput:
    username: str
    password: str


@strawberry.input
class MemberLoginInput:
    identifier: str = strawberry.field(description="memberNo, phone or email")
    password: str


@strawberry.input
class CreateStaffUserInput:
    username: str
    display_name: str
    password: str
    roles: list[Role]


@strawberry.input
class UpdateStaffUserInput:
    id: strawberry.ID
    display_name: str | None = None
    roles: list[Role] | None = None
    active: bool | None = None
    password: str | None = None


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str
