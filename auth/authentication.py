"""Sign-in and sessions (DESIGN §3): argon2id passwords, hashed bearer tokens, lockout.

Login failures all say the same thing, whether the account exists, is locked,
inactive or the password is wrong, so a response never reveals which; every path checks
a password (a dummy one when there is none), so neither does the time it takes.
Attempts are throttled per client address and per account name before any of that,
known names and unknown alike (services/throttle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from tortoise.expressions import F, Q

from auth.actor import ANONYMOUS, Actor
from auth.errors import SessionEnded
from core.settings import get_settings
from models.enums import MemberStatus, Role
from models.member import Member
from models.staff import Session, StaffUser
from services import throttle
from services.clock import as_utc
from services.db import transaction
from services.errors import InvalidCredentials
from services.passwords import check_new_password, check_room, hash_password, verify_password
from services.sessions import NewSession, open_session, revoke_sessions, token_hash
from services.throttle import Limit
from shortcuts.rows import model_of
from shortcuts.sql import in_dialect

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
LOGIN_FAILED = "Unknown account or wrong password, or the account is locked."
SIGNIN_THROTTLED = "Too many sign-in attempts"
# Members who may sign in; TERMINATED members' sessions are revoked and stay out.
_MEMBER_CAN_LOGIN = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.TERMINATING)


@dataclass(frozen=True)
class IssuedSession:
    token: str
    expires_at: datetime
    actor: Actor


async def issue_session(
    now: datetime, *, staff_id: int | None = None, member_id: int | None = None
) -> IssuedSession:
    return await signed_in(await open_session(now, staff_id=staff_id, member_id=member_id))


async def signed_in(new: NewSession) -> IssuedSession:
    """A session just opened, with the actor it stands for."""
    return IssuedSession(new.token, new.expires_at, await actor_of_session(new.session))


async def actor_of_session(session: Session) -> Actor:
    if session.staff_id is not None:
        staff = await StaffUser.get(id=session.staff_id)
        return staff_actor(staff, session.id)
    return Actor(
        kind="MEMBER",
        roles=frozenset({Role.MEMBER}),
        member_id=session.member_id,
        session_id=session.id,
    )


def staff_actor(staff: StaffUser, session_id: int | None = None) -> Actor:
    return Actor(
        kind="STAFF",
        roles=frozenset(Role(r) for r in staff.roles),
        staff_id=staff.id,
        session_id=session_id,
    )


async def _register_failure(model: type[StaffUser] | type[Member], pk: int, now: datetime) -> None:
    # One guarded UPDATE so concurrent failures from several processes all count.
    async with transaction():
        await model.filter(id=pk).update(failed_logins=F("failed_logins") + 1)
        await model.filter(id=pk, failed_logins__gte=MAX_FAILED_LOGINS).update(
            locked_until=now + LOCKOUT, failed_logins=0
        )


def _locked(account: StaffUser | Member, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


async def _count_password_attempt(client: str | None, account: str, now: datetime) -> None:
    """Count an attempt to prove a password for `account` (a name, whether or not it
    exists) from `client`'s address. Raises RateLimited: refused before any hashing."""
    check_room()
    settings = get_settings()
    limits = [
        Limit(
            throttle.SIGNIN_ADDRESS,
            throttle.network_of(client),
            settings.login_address_limit,
            timedelta(seconds=settings.login_address_window),
        ),
        Limit(
            throttle.SIGNIN_ACCOUNT,
            account,
            settings.login_account_limit,
            timedelta(seconds=settings.login_account_window),
        ),
    ]
    await throttle.count_attempt(limits, now, SIGNIN_THROTTLED)


async def staff_login(
    username: str, password: str, now: datetime, *, client: str | None
) -> IssuedSession:
    """Sign a staff user in. Raises RateLimited, InvalidCredentials (same message for
    every cause)."""
    await _count_password_attempt(client, throttle.staff_account(username), now)
    staff = await StaffUser.get_or_none(username=username)
    valid = await verify_password(staff.password_hash if staff else None, password)
    if staff is None or not staff.active or _locked(staff, now):
        raise InvalidCredentials(LOGIN_FAILED)
    if not valid:
        await _register_failure(StaffUser, staff.id, now)
        raise InvalidCredentials(LOGIN_FAILED)
    async with transaction():
        await StaffUser.filter(id=staff.id).update(failed_logins=0, last_login_at=now)
        return await issue_session(now, staff_id=staff.id)


async def find_member_by_identifier(identifier: str) -> Member | None:
    return (
        await Member.filter(
            Q(member_no=identifier) | Q(phone=identifier) | Q(email=identifier),
            status__in=_MEMBER_CAN_LOGIN,
        )
        .order_by("id")
        .first()
    )


async def member_login(
    identifier: str, password: str, now: datetime, *, client: str | None
) -> IssuedSession:
    """Sign a member in by memberNo, phone or email. Raises RateLimited, InvalidCredentials."""
    await _count_password_attempt(client, throttle.member_account(identifier), now)
    member = await find_member_by_identifier(identifier)
    valid = await verify_password(member.password_hash if member else None, password)
    if member is None or member.password_hash is None or _locked(member, now):
        raise InvalidCredentials(LOGIN_FAILED)
    if not valid:
        await _register_failure(Member, member.id, now)
        raise InvalidCredentials(LOGIN_FAILED)
    async with transaction():
        await Member.filter(id=member.id).update(failed_logins=0)
        return await issue_session(now, member_id=member.id)


async def authenticate(token: str | None, now: datetime) -> Actor:
    """The actor behind a bearer token; ANONYMOUS without one. Raises SessionEnded for a
    token that is unknown, expired or revoked, or whose staff user was deactivated."""
    if not token:
        return ANONYMOUS
    found = await _session_and_staff(token_hash(token))
    if found is None:
        raise SessionEnded()
    session, staff = found
    if session.revoked_at is not None or as_utc(session.expires_at) <= now:
        raise SessionEnded()
    if staff is not None:
        if not staff.active:
            raise SessionEnded()
        return staff_actor(staff, session.id)
    return await actor_of_session(session)


async def _session_and_staff(hashed: str) -> tuple[Session, StaffUser | None] | None:
    """The session of a token hash and its staff user, in one statement whose SQL is
    written once: every request starts here, and Tortoise would build the join anew
    (and each model through keyword arguments)."""
    db = Session._meta.db
    _, rows = await db.execute_query(in_dialect(db, _session_sql()), [hashed])
    if not rows:
        return None
    values = tuple(rows[0])
    session_columns, staff_columns = _columns(Session), _columns(StaffUser)
    session = model_of(Session, session_columns, values[: len(session_columns)])
    staff_values = values[len(session_columns) :]
    if staff_values[staff_columns.index("id")] is None:
        return session, None
    return session, model_of(StaffUser, staff_columns, staff_values)


@lru_cache(maxsize=2)
def _columns(model: type[Session] | type[StaffUser]) -> tuple[str, ...]:
    return tuple(model._meta.fields_db_projection.values())


@lru_cache(maxsize=1)
def _session_sql() -> str:
    session, staff = Session._meta.db_table, StaffUser._meta.db_table
    columns = [f's."{name}"' for name in _columns(Session)]
    columns += [f'u."{name}"' for name in _columns(StaffUser)]
    return (
        f'SELECT {", ".join(columns)} FROM "{session}" s '
        f'LEFT JOIN "{staff}" u ON u."id" = s."staff_id" WHERE s."token_hash" = ?'
    )


async def logout(session_id: int, now: datetime) -> None:
    async with transaction():
        await Session.filter(id=session_id, revoked_at=None).update(revoked_at=now)


async def change_password(
    actor: Actor, current: str, new: str, now: datetime, *, client: str | None
) -> None:
    """Change the caller's password and revoke all of their sessions (DESIGN §3).
    Raises RateLimited (counted as sign-in attempts), InvalidCredentials, Invalid."""
    account: StaffUser | Member | None
    if actor.staff_id is not None:
        account = await StaffUser.get_or_none(id=actor.staff_id)
    else:
        account = await Member.get_or_none(id=actor.member_id)
    if account is None:
        raise InvalidCredentials("The current password is wrong.", ("input", "currentPassword"))
    # A stolen session must not become a way to guess the password faster than sign-in.
    name = (
        throttle.staff_account(account.username)
        if isinstance(account, StaffUser)
        else throttle.member_account(account.member_no)
    )
    await _count_password_attempt(client, name, now)
    if not await verify_password(account.password_hash, current):
        raise InvalidCredentials("The current password is wrong.", ("input", "currentPassword"))
    check_new_password(new, ("input", "newPassword"))
    password_hash = await hash_password(new)
    async with transaction():
        await type(account).filter(id=account.id).update(password_hash=password_hash)
        await revoke_sessions(now, staff_id=actor.staff_id, member_id=actor.member_id)
