"""Staff accounts: creation and updates by administrators (DESIGN §3)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError

from models.enums import Role
from models.staff import StaffUser
from services.db import transaction
from services.errors import Duplicate, Invalid, NotFound
from services.passwords import check_new_password, hash_password
from services.sessions import revoke_sessions
from services.validation import check_line

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-@]{3,64}$")


def _check_roles(roles: Sequence[Role]) -> list[str]:
    if not roles:
        raise Invalid("A staff user needs at least one role.", ("input", "roles"))
    if Role.MEMBER in roles:
        raise Invalid("MEMBER is not a staff role.", ("input", "roles"))
    return sorted({role.value for role in roles})


def _check_display_name(name: str) -> str:
    name = check_line(name, ("input", "displayName")).strip()
    if not name or len(name) > 128:
        raise Invalid("Display name must be 1 to 128 characters.", ("input", "displayName"))
    return name


async def create_staff_user(
    username: str, display_name: str, password: str, roles: Sequence[Role], now: datetime
) -> StaffUser:
    """Create a staff account. Raises Invalid, Duplicate (username taken)."""
    if not _USERNAME.match(username):
        raise Invalid("Usernames are 3 to 64 letters, digits or . _ - @.", ("input", "username"))
    check_new_password(check_line(password, ("input", "password")), ("input", "password"))
    role_values = _check_roles(roles)
    name = _check_display_name(display_name)
    if await StaffUser.exists(username=username):
        raise Duplicate("That username is taken.", ("input", "username"))
    password_hash = await hash_password(password)
    try:
        async with transaction():  # a savepoint in a unit: the refused insert leaves no trace
            return await StaffUser.create(
                username=username,
                display_name=name,
                password_hash=password_hash,
                roles=role_values,
                created_at=now,
            )
    except IntegrityError:
        # The UNIQUE(username) constraint: another request created it in between.
        raise Duplicate("That username is taken.", ("input", "username")) from None


async def update_staff_user(
    staff_id: int,
    now: datetime,
    *,
    display_name: str | None = None,
    roles: Sequence[Role] | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> StaffUser:
    """Update a staff account; deactivation and a new password revoke its sessions."""
    staff = await StaffUser.get_or_none(id=staff_id)
    if staff is None:
        raise NotFound("No such staff user.", ("input", "id"))
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = _check_display_name(display_name)
    if roles is not None:
        changes["roles"] = _check_roles(roles)
    if active is not None:
        changes["active"] = active
    if password is not None:
        check_new_password(check_line(password, ("input", "password")), ("input", "password"))
        changes["password_hash"] = await hash_password(password)
    async with transaction():
        if changes:
            await StaffUser.filter(id=staff_id).update(**changes)
        if active is False or password is not None:
            await revoke_sessions(now, staff_id=staff_id)
    await staff.refresh_from_db()
    return staff
