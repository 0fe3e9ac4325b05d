"""Identity resolvers: sign-in, sign-out, passwords, staff accounts, the viewer."""

from __future__ import annotations

import strawberry

from auth import authentication
from auth.authentication import IssuedSession
from auth.errors import Unauthenticated
from models.enums import Role
from models.staff import StaffUser as StaffUserModel
from resolvers.errors import user_errors
from schema.common import OkPayload
from schema.context import Info
from schema.ids import decode_id, to_global_id
from schema.pagination import Window
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
from services import staff as staff_service
from services.clock import utcnow


async def viewer(info: Info) -> Viewer:
    actor = info.context.actor
    loaders = info.context.loaders
    staff = await loaders.staff_by_id.load(actor.staff_id) if actor.staff_id else None
    member = await loaders.member_by_id.load(actor.member_id) if actor.member_id else None
    return Viewer(roles=sorted(actor.roles, key=list(Role).index), staff=staff, member=member)


async def _session_payload(info: Info, issued: IssuedSession) -> LoginPayload:
    info.context.actor = issued.actor
    info.context.audit.target(
        to_global_id("StaffUser", issued.actor.staff_id)
        if issued.actor.staff_id
        else to_global_id("Member", issued.actor.member_id or 0)
    )
    return LoginPayload(
        session=Session(token=issued.token, expires_at=issued.expires_at, viewer=await viewer(info))
    )


@user_errors(LoginPayload)
async def staff_login(info: Info, input: StaffLoginInput) -> LoginPayload:
    issued = await authentication.staff_login(
        input.username, input.password, utcnow(), client=info.context.ip
    )
    return await _session_payload(info, issued)


@user_errors(LoginPayload)
async def member_login(info: Info, input: MemberLoginInput) -> LoginPayload:
    issued = await authentication.member_login(
        input.identifier, input.password, utcnow(), client=info.context.ip
    )
    return await _session_payload(info, issued)


@user_errors(OkPayload)
async def logout(info: Info) -> OkPayload:
    session_id = info.context.actor.session_id
    if session_id is None:
        raise Unauthenticated("Not signed in.")
    await authentication.logout(session_id, utcnow())
    return OkPayload(ok=True, errors=[])


@user_errors(OkPayload)
async def change_password(info: Info, input: ChangePasswordInput) -> OkPayload:
    await authentication.change_password(
        info.context.actor,
        input.current_password,
        input.new_password,
        utcnow(),
        client=info.context.ip,
    )
    return OkPayload(ok=True, errors=[])


@user_errors(StaffUserPayload)
async def create_staff_user(info: Info, input: CreateStaffUserInput) -> StaffUserPayload:
    staff = await staff_service.create_staff_user(
        input.username, input.display_name, input.password, input.roles, utcnow()
    )
    info.context.audit.target(to_global_id("StaffUser", staff.id))
    return StaffUserPayload(staff_user=staff)


@user_errors(StaffUserPayload)
async def update_staff_user(info: Info, input: UpdateStaffUserInput) -> StaffUserPayload:
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
    return StaffUserPayload(staff_user=staff)


async def staff_users(
    info: Info, first: int | None = None, after: str | None = None
) -> list[StaffUser]:
    window = Window.of(first, after)
    rows = await StaffUserModel.all().order_by("id").offset(window.offset).limit(window.limit)
    return rows  # type: ignore[return-value]


@strawberry.type
class StaffQuery:
    viewer: Viewer = strawberry.field(resolver=viewer)
    staff_users: list[StaffUser] = strawberry.field(resolver=staff_users)


@strawberry.type
class StaffMutation:
    staff_login: LoginPayload = strawberry.mutation(resolver=staff_login)
    member_login: LoginPayload = strawberry.mutation(resolver=member_login)
    logout: OkPayload = strawberry.mutation(resolver=logout)
    change_password: OkPayload = strawberry.mutation(resolver=change_password)
    create_staff_user: StaffUserPayload = strawberry.mutation(resolver=create_staff_user)
    update_staff_user: StaffUserPayload = strawberry.mutation(resolver=update_staff_user)
