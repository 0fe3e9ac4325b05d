"""Suspension, reinstatement and termination with erasure (DESIGN §2 Members)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.settings import get_settings
from models.enums import MemberStatus, TerminationReason
from models.member import Member
from services import communications
from services.benefits import revoke_member_usages
from services.db import after_commit, retry_busy, transaction
from services.errors import Invalid, InvalidState, NotFound
from services.jobs import JobResult, JobRun, Members, ReportProgress, each_member, for_each
from services.members.erasure import erase_person, is_pending, scrub_storage
from services.points import forfeit_balance
from services.units import in_unit_transaction
from services.validation import clean_text
from services.webhooks import emit

LIVE = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)


@dataclass(frozen=True)
class Termination:
    member: Member
    # None when the termination only took notice; True while the erased values may still
    # be in the database's write-ahead log (retried until they are gone).
    erasure_pending: bool | None = None


async def _transition(
    member_id: int,
    from_states: tuple[MemberStatus, ...],
    changes: dict[str, Any],
    what: str,
    path: tuple[str, ...] = ("input", "id"),
    *,
    event: str | None = None,
    now: datetime,
) -> None:
    # The guarded UPDATE is both the state check and the first write of its transaction.
    async with transaction():
        changed = await Member.filter(id=member_id, status__in=from_states).update(**changes)
        if changed and event is not None:
            await emit(None, event, member_id, {}, now)
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
        event="member.suspended",
        now=now,
    )
    if revoke_benefits:
        # The benefits domain revokes (and refunds) in its own transaction.
        await revoke_member_usages(member_id, f"Member suspended: {text}", now)
    return await Member.get(id=member_id)


async def reinstate_member(member_id: int, now: datetime) -> Member:
    """Restore a SUSPENDED member to ACTIVE. Raises NotFound, InvalidState."""
    await _transition(
        member_id,
        (MemberStatus.SUSPENDED,),
        {"status": MemberStatus.ACTIVE, "suspended_reason": None},
        "SUSPENDED",
        ("id",),
        event="member.reinstated",
        now=now,
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
) -> Termination:
    """Notify the member and set TERMINATING; terminate and erase at once when the effective
    time is not in the future. A member may only withdraw (VOLUNTARY).
    Raises Invalid, NotFound, InvalidState (DESIGN §2)."""
    if self_service and reason is not TerminationReason.VOLUNTARY:
        raise Invalid("Members may only withdraw voluntarily.", ("input", "reason"))
    text = clean_text(note, ("input", "note"))
    effective = effective_time(reason, effective_at, now)

    async def notice() -> None:
        async with transaction():
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
                now=now,
            )
            await communications.notify(
                member_id,
                "Your membership ends",
                f"Your membership ends on {effective.date().isoformat()}. Remaining points are "
                "forfeited and your personal data is erased then.",
                now,
            )

    await retry_busy(notice)
    if effective > now:
        return Termination(await Member.get(id=member_id))
    await _terminate(member_id, now)
    member = await Member.get(id=member_id)
    if in_unit_transaction():
        # The erased values can leave the files only once the erasure is committed, with
        # the rest of the operation: the scrub follows at once (retried while blocked).
        await after_commit(scrub_storage)
        return Termination(member, erasure_pending=True)
    pending = await scrub_storage() > 0 and await is_pending(member_id)
    return Termination(member, erasure_pending=pending)


async def _terminate(member_id: int, now: datetime) -> bool:
    """Terminate one TERMINATING member in one transaction; False if it was not TERMINATING."""

    async def run() -> bool:
        async with transaction() as conn:
            changed = await Member.filter(id=member_id, status=MemberStatus.TERMINATING).update(
                status=MemberStatus.TERMINATED, terminated_at=now
            )
            if not changed:
                return False
            await erase_person(member_id, now)
            # After the erasure, which clears the reasons of the member's entries: the
            # forfeit's own says only what happened.
            await forfeit_balance(member_id, now, conn)
            await emit(conn, "member.terminated", member_id, {}, now)
            return True

    return await retry_busy(run)


async def run_terminations(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Terminate every TERMINATING member whose effective time has come (DESIGN §2)."""
    run = JobRun("terminations", as_of)
    as_of = run.as_of
    due = Members(
        Member.filter(status=MemberStatus.TERMINATING, termination_effective_at__lte=as_of),
        key="id",
    )
    step = each_member(lambda member_id: _terminate(member_id, as_of))
    examined, changed = await for_each(run, due, step, progress)
    # Also when nothing was due: erasures an earlier run left pending are retried.
    pending = await scrub_storage()
    return run.result(examined, changed, erasures_pending=pending)
