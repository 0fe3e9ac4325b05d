"""Root fields of identity: sign-in, sign-out, passwords, staff accounts, the viewer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from auth import authentication
from auth.authentication import IssuedSession
from auth.errors import Unauthenticated
from core.ids import to_global_id
from models.enums import Role
from models.staff import StaffUser as StaffUserModel
from resolvers.ids import decode_id
from resolvers.staff import signed_in
from schema.common import OkPayload
from schema.context import Info
from schema.pagination import After, First, Window
from schema.staff import (
    ChangePasswordInput,
    CreateStaffUserInput,
    LoginPayload,
    MemberLoginInput,
    Session,
    StaffLoginInput,
    StaffUser,
    StaffUserPayload,
    UpdateStaffUserInput,
    Viewer,
)
from schema.user_errors import mutation, user_errors
from services import staff as staff_service
from services.clock import utcnow
from services.errors import Duplicate, Invalid, InvalidCredentials, NotFound, RateLimited


async def viewer(info: Info) -> Viewer:
    actor = info.context.actor
    loaders = info.context.loaders
    staff = await loaders.staff_by_id.load(actor.staff_id) if actor.staff_id else None
    member = await loaders.member_by_id.load(actor.member_id) if actor.member_id else None
    return Viewer(roles=sorted(actor.roles, key=list(Role).index), staff=staff, member=member)  # type: ignore[arg-type]


async def session_payload(info: Info, issued: IssuedSession) -> LoginPayload:
    signed_in(info.context, issued)
    return LoginPayload(
        session=Session(token=issued.token, expires_at=issued.expires_at, viewer=await viewer(info))
    )


@user_errors(LoginPayload)
async def staff_login(
    info: Info, input: Annotated[StaffLoginInput, strawberry.argument(description="Who signs in.")]
) -> LoginPayload:
    issued = await authentication.staff_login(
        input.username, input.password, utcnow(), client=info.context.ip
    )
    return await session_payload(info, issued)


@user_errors(LoginPayload)
async def member_login(
    info: Info, input: Annotated[MemberLoginInput, strawberry.argument(description="Who signs in.")]
) -> LoginPayload:
    issued = await authentication.member_login(
        input.identifier, input.password, utcnow(), client=info.context.ip
    )
    return await session_payload(info, issued)


@user_errors(OkPayload)
async def logout(info: Info) -> OkPayload:
    session_id = info.context.actor.session_id
    if session_id is None:
        raise Unauthenticated("Not signed in.")
    await authentication.logout(session_id, utcnow())
    return OkPayload(ok=True, errors=[])


@user_errors(OkPayload)
async def change_password(
    info: Info,
    input: Annotated[ChangePasswordInput, strawberry.argument(description="Old and new password.")],
) -> OkPayload:
    await authentication.change_password(
        info.context.actor,
        input.current_password,
        input.new_password,
        utcnow(),
        client=info.context.ip,
    )
    return OkPayload(ok=True, errors=[])


@user_errors(StaffUserPayload)
async def create_staff_user(
    info: Info,
    input: Annotated[CreateStaffUserInput, strawberry.argument(description="The new account.")],
) -> StaffUserPayload:
    staff = await staff_service.create_staff_user(
        input.username, input.display_name, input.password, input.roles, utcnow()
    )
    info.context.audit.target(to_global_id("StaffUser", staff.id))
    return StaffUserPayload(staff_user=staff)  # type: ignore[arg-type]


@user_errors(StaffUserPayload)
async def update_staff_user(
    info: Info,
    input: Annotated[
        UpdateStaffUserInput, strawberry.argument(description="The account and its changes.")
    ],
) -> StaffUserPayload:
    staff_id = decode_id(input.id, "StaffUser")
    info.context.audit.target(input.id)
    staff = await staff_service.update_staff_user(
        staff_id,
        utcnow(),
        display_name=input.display_name,
        roles=input.roles,
        active=input.active,
        password=input.password,
    )
    return StaffUserPayload(staff_user=staff)  # type: ignore[arg-type]


async def staff_users(info: Info, first: First = None, after: After = None) -> list[StaffUser]:
    window = Window.of(first, after)
    rows = await StaffUserModel.all().order_by("id").offset(window.offset).limit(window.limit)
    return rows  # type: ignore[return-value]


# Sign-in attempts are throttled per client address and per account name, and five
# failures in a row lock the account for 15 minutes (auth/authentication.py).
_SIGN_IN = (
    " Wrong credentials, an unknown or inactive account and a locked one all answer "
    "INVALID_CREDENTIALS alike; too many attempts answer RATE_LIMITED with retryAfter."
)


@strawberry.type
class StaffQuery:
    viewer: Viewer = strawberry.field(
        resolver=viewer, description="Who the caller is: roles, and the staff user or member."
    )
    staff_users: list[StaffUser] = strawberry.field(
        resolver=staff_users, description="Staff accounts, oldest first."
    )


@strawberry.type
class StaffMutation:
    staff_login: LoginPayload = mutation(
        staff_login,
        "Sign a staff user in with username and password; returns a bearer token." + _SIGN_IN,
        errors=(InvalidCredentials, RateLimited, Invalid),
    )
    member_login: LoginPayload = mutation(
        member_login,
        "Sign a member in with memberNo, phone or email and the password set at "
        "activation; returns a bearer token." + _SIGN_IN,
        errors=(InvalidCredentials, RateLimited, Invalid),
    )
    logout: OkPayload = mutation(
        logout, "End the caller's session: its token stops working at once.", errors=()
    )
    change_password: OkPayload = mutation(
        change_password,
        "Change the caller's own password. Every session of the account ends, this one too: "
        "sign in again with the new password.",
        errors=(InvalidCredentials, Invalid, RateLimited),
    )
    create_staff_user: StaffUserPayload = mutation(
        create_staff_user, "Create a staff account.", errors=(Invalid, Duplicate, RateLimited)
    )
    update_staff_user: StaffUserPayload = mutation(
        update_staff_user,
        "Change a staff account: display name, roles, active, password. Deactivating it or "
        "setting its password ends its sessions.",
        errors=(NotFound, Invalid, RateLimited),
    )
