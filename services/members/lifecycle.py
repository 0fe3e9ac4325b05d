"""Suspension, reinstatement and termination with erasure (DESIGN §2 Members)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from app.settings import get_settings
from auth.authentication import revoke_sessions
from models.benefit import BenefitUsage
from models.communication import Communication, ServiceCase
from models.enums import ApplicationStatus, MemberStatus, TerminationReason
from models.member import Member, MembershipApplication, ProfileChangeRequest
from models.tag import MemberTag, TagErrorReport
from services import communications
from services.db import retry_busy
from services.errors import Invalid, InvalidState, NotFound
from services.jobs import JobResult, JobTimer, for_each, job_as_of
from services.points import forfeit_balance
from services.validation import clean_text

LIVE = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
# Tables whose rows erasure rewrites: PostgreSQL vacuums them afterwards.
ERASED_TABLES = (
    "member",
    "membership_application",
    "profile_change_request",
    "communication",
    "service_case",
    "benefit_usage",
    "member_tag",
    "tag_error_report",
)
ERASED_MEMBER_FIELDS: dict[str, Any] = {
    "name": None,
    "birth_date": None,
    "phone": None,
    "email": None,
    "address": None,
    "id_number_enc": None,
    "id_number_hash": None,
    "password_hash": None,
    "activation_code_hash": None,
    "activation_expires_at": None,
    "suspended_reason": None,
    "termination_note": None,
}
ERASED_APPLICATION_FIELDS: dict[str, Any] = {
    "name": None,
    "birth_date": None,
    "phone": None,
    "email": None,
    "address": None,
    "id_number_enc": None,
    "id_number_hash": None,
    "referral_code": None,
    "client_ip": None,
    "review_note": None,
}


async def _transition(
    member_id: int,
    from_states: tuple[MemberStatus, ...],
    changes: dict[str, Any],
    what: str,
    path: tuple[str, ...] = ("input", "id"),
) -> None:
    # The guarded UPDATE is both the state check and the first write of its transaction.
    changed = await Member.filter(id=member_id, status__in=from_states).update(**changes)
    if changed:
        return
    if not await Member.exists(id=member_id):
        raise NotFound("No such member.", path)
    raise InvalidState(f"Only a member who is {what} can be changed like this.", path)


async def suspend_member(
    member_id: int, reason: str, now: datetime, *, revoke_benefits: bool = False
) -> Member:
    """Suspend an ACTIVE member: benefits, redemption and earning are blocked.
    Raises Invalid (no reason), NotFound, InvalidState."""
    text = clean_text(reason, ("input", "reason"), required=True)
    await _transition(
        member_id,
        (MemberStatus.ACTIVE,),
        {"status": MemberStatus.SUSPENDED, "suspended_reason": text},
        "ACTIVE",
    )
    if revoke_benefits:
        # The benefits domain revokes (and refunds) in its own transaction; imported
        # only on this path so members do not load the benefits engine.
        from services.benefits import revoke_member_usages

        await revoke_member_usages(member_id, f"Member suspended: {text}", now)
    return await Member.get(id=member_id)


async def reinstate_member(member_id: int) -> Member:
    """Restore a SUSPENDED member to ACTIVE. Raises NotFound, InvalidState."""
    await _transition(
        member_id,
        (MemberStatus.SUSPENDED,),
        {"status": MemberStatus.ACTIVE, "suspended_reason": None},
        "SUSPENDED",
        ("id",),
    )
    return await Member.get(id=member_id)


def effective_time(
    reason: TerminationReason, effective_at: datetime | None, now: datetime
) -> datetime:
    if effective_at is not None:
        return effective_at
    days = 0 if reason is TerminationReason.VOLUNTARY else get_settings().termination_notice_days
    return now + timedelta(days=days)


async def terminate_membership(
    member_id: int,
    reason: TerminationReason,
    now: datetime,
    *,
    note: str | None = None,
    effective_at: datetime | None = None,
    self_service: bool = False,
) -> Member:
    """Notify the member and set TERMINATING; terminate and erase at once when the effective
    time is not in the future. A member may only withdraw (VOLUNTARY).
    Raises Invalid, NotFound, InvalidState (DESIGN §2)."""
    if self_service and reason is not TerminationReason.VOLUNTARY:
        raise Invalid("Members may only withdraw voluntarily.", ("input", "reason"))
    text = clean_text(note, ("input", "note"))
    effective = effective_time(reason, effective_at, now)

    async def notice() -> None:
        async with in_transaction():
            await _transition(
                member_id,
                LIVE,
                {
                    "status": MemberStatus.TERMINATING,
                    "termination_reason": reason,
                    "termination_note": text,
                    "termination_effective_at": effective,
                },
                "ACTIVE or SUSPENDED",
            )
            await communications.notify(
                member_id,
                "Your membership ends",
                f"Your membership ends on {effective.date().isoformat()}. Remaining points are "
                "forfeited and your personal data is erased then.",
                now,
            )

    await retry_busy(notice)
    if effective <= now:
        await _terminate(member_id, now)
        await scrub_storage()
    return await Member.get(id=member_id)


async def _terminate(member_id: int, now: datetime) -> bool:
    """Terminate one TERMINATING member in one transaction; False if it was not TERMINATING."""

    async def run() -> bool:
        async with in_transaction() as conn:
            changed = await Member.filter(id=member_id, status=MemberStatus.TERMINATING).update(
                status=MemberStatus.TERMINATED, terminated_at=now, **ERASED_MEMBER_FIELDS
            )
            if not changed:
                return False
            await forfeit_balance(member_id, now, conn)
            await MemberTag.filter(member_id=member_id).delete()
            await revoke_sessions(now, member_id=member_id)
            await _erase_records(member_id, now)
            return True

    return await retry_busy(run)


async def _erase_records(member_id: int, now: datetime) -> None:
    """Free text and personal fields of the member's other records."""
    await Communication.filter(member_id=member_id).update(subject=None, content=None)
    await ServiceCase.filter(member_id=member_id).update(subject="", resolution=None)
    await BenefitUsage.filter(member_id=member_id).update(note=None, revoked_reason=None)
    await TagErrorReport.filter(member_id=member_id).update(note="")
    # Pending requests can no longer be applied: close them with the rest erased.
    await ProfileChangeRequest.filter(member_id=member_id, status=ApplicationStatus.PENDING).update(
        status=ApplicationStatus.REJECTED, reviewed_at=now
    )
    await ProfileChangeRequest.filter(member_id=member_id).update(
        changes={}, reason=None, review_note=None
    )
    await MembershipApplication.filter(member_id=member_id).update(**ERASED_APPLICATION_FIELDS)


async def scrub_storage() -> None:
    """Make erased values gone from the file (DESIGN §2): SQLite's secure_delete zeroes
    freed space, the checkpoint empties the write-ahead log; PostgreSQL vacuums."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    # VACUUM cannot run inside a transaction block; this runs outside any.
    await connection.execute_script(f"VACUUM {', '.join(ERASED_TABLES)}")


async def run_terminations(as_of: datetime, progress: bool = False) -> JobResult:
    """Terminate every TERMINATING member whose effective time has come (DESIGN §2)."""
    timer = JobTimer()
    as_of = job_as_of(as_of)
    due = (
        await Member.filter(status=MemberStatus.TERMINATING, termination_effective_at__lte=as_of)
        .order_by("id")
        .values_list("id", flat=True)
    )
    changed = await for_each(
        "terminations", due, lambda member_id: _terminate(member_id, as_of), progress
    )
    if changed:
        await scrub_storage()
    return timer.result("terminations", as_of, len(due), changed)
