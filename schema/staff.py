"""Identity: staff users, viewers, sessions, and the sign-in mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.ids import to_global_id
from models.staff import StaffUser as StaffUserModel
from schema.common import Node, UserError, errors_field, model_type
from schema.enums import Role

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]


@model_type(
    StaffUserModel,
    description="A staff account: who reviewed, created or was assigned a record. Members "
    "see only its displayName.",
)
class StaffUser(Node):
    # Non-null as the contract has them: a member denied these (they see displayName
    # only) gets the FORBIDDEN error and a null reference, never a half-filled one.
    username: str = strawberry.field(description="Sign-in name, unique.")
    display_name: str = strawberry.field(description="Name shown to colleagues and members.")
    roles: list[Role] = strawberry.field(description="Roles held; never MEMBER.")
    active: bool = strawberry.field(
        description="False once deactivated: the account can no longer sign in."
    )
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    last_login_at: datetime | None = strawberry.field(
        description="Last successful sign-in (UTC); null if never."
    )

    @strawberry.field(description="Global ID of the staff user.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("StaffUser", self.id))


@strawberry.type(description="Who the caller is, as the server sees their bearer token.")
class Viewer:
    roles: list[Role] = strawberry.field(
        description="ANONYMOUS callers get roles [] and neither staff nor member."
    )
    staff: StaffUser | None = strawberry.field(
        description="The calling staff user; null for members and anonymous callers."
    )
    member: MemberRef | None = strawberry.field(
        description="The calling member; null for staff and anonymous callers."
    )


@strawberry.type(description="A signed-in session, returned by staffLogin and memberLogin.")
class Session:
    token: str = strawberry.field(
        description="Bearer token for the Authorization header. Shown once."
    )
    expires_at: datetime = strawberry.field(
        description="When the token stops working (UTC), MEMBERHUB_SESSION_HOURS (default 12) "
        "after sign-in; logout, a password change or deactivation ends it sooner."
    )
    viewer: Viewer = strawberry.field(description="Who the session signs in.")


@strawberry.type(description="Result of staffLogin and memberLogin.")
class LoginPayload:
    session: Session | None = strawberry.field(
        default=None, description="The new session; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of createStaffUser and updateStaffUser.")
class StaffUserPayload:
    staff_user: StaffUser | None = strawberry.field(
        default=None, description="The staff user as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="Staff credentials.")
class StaffLoginInput:
    username: str = strawberry.field(description="The staff user's sign-in name.")
    password: str = strawberry.field(description="The staff user's password.")


@strawberry.input(description="Member credentials.")
class MemberLoginInput:
    identifier: str = strawberry.field(description="memberNo, phone or email")
    password: str = strawberry.field(
        description="The password the member set with activateMembership."
    )


@strawberry.input(description="A new staff account.")
class CreateStaffUserInput:
    username: str = strawberry.field(
        description="Sign-in name: 3 to 64 letters, digits or . _ - @; unique."
    )
    display_name: str = strawberry.field(description="Name shown to others, 1 to 128 characters.")
    password: str = strawberry.field(description="Initial password, at least 8 characters.")
    roles: list[Role] = strawberry.field(description="At least one staff role; not MEMBER.")


@strawberry.input(description="Changes to a staff account; omitted fields stay as they are.")
class UpdateStaffUserInput:
    id: strawberry.ID = strawberry.field(description="The staff user to change.")
    display_name: str | None = strawberry.field(
        default=None, description="New display name, 1 to 128 characters."
    )
    roles: list[Role] | None = strawberry.field(
        default=None, description="The full new set of roles (replaces the old one)."
    )
    active: bool | None = strawberry.field(
        default=None, description="False deactivates the account and ends its sessions."
    )
    password: str | None = strawberry.field(
        default=None,
        description="New password, at least 8 characters; ends the account's sessions.",
    )


@strawberry.input(description="The caller's current password and the one to replace it.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="The new password, at least 8 characters.")
