"""Profile edits by staff, change requests by members and their review, and consents."""

from __future__ import annotations

from datetime import datetime

from models.enums import ApplicationStatus, MemberStatus, ReviewDecision
from models.member import Member, ProfileChangeRequest
from services import crypto
from services.clock import local_date
from services.db import retry_busy, transaction
from services.errors import Invalid, InvalidState, NotFound
from services.members.profile import (
    CONSENT_FIELDS,
    Profile,
    clean_profile,
    columns,
    ensure_unique,
    from_changes,
    require_changes,
    to_changes,
)
from services.tags import refresh_member_tags
from services.validation import clean_text


async def live_member(member_id: int, field: tuple[str, ...] = ("input", "id")) -> Member:
    """The member, unless absent (NotFound) or TERMINATED (InvalidState)."""
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound("No such member.", field)
    if member.status is MemberStatus.TERMINATED:
        raise InvalidState("The membership has been terminated.", field)
    return member


async def _apply(
    member_id: int,
    profile: Profile,
    now: datetime,
    *,
    path: tuple[str, ...],
    field_paths: bool = True,
) -> None:
    # A change confirms the profile too: the profile reminder counts from here (DESIGN §10).
    values = {**columns(profile), "profile_confirmed_at": now}
    # First statement a write (DESIGN §2 Concurrency); the duplicate check follows inside
    # the same transaction, so a conflicting change rolls it back.
    changed = (
        await Member.filter(id=member_id).exclude(status=MemberStatus.TERMINATED).update(**values)
    )
    if not changed:
        raise InvalidState("The membership has been terminated.", path)
    await ensure_unique(
        profile.phone,
        crypto.lookup_hash(profile.id_number),
        exclude_member_id=member_id,
        path=path,
        field_paths=field_paths,
    )


async def update_member(member_id: int, profile: Profile, now: datetime) -> Member:
    """Staff edit a member's profile directly. Raises Invalid, Duplicate, NotFound,
    InvalidState (DESIGN §2)."""
    await live_member(member_id)
    clean = clean_profile(profile, local_date(now))
    require_changes(clean, ("input",))

    async def run() -> None:
        async with transaction():
            await _apply(member_id, clean, now, path=("input",))

    await retry_busy(run)
    return await Member.get(id=member_id)


async def request_profile_change(
    member_id: int, profile: Profile, reason: str | None, now: datetime
) -> ProfileChangeRequest:
    """A member asks for a profile change; staff review it. The idNumber is stored encrypted."""
    await live_member(member_id, ("input",))
    clean = clean_profile(profile, local_date(now))
    require_changes(clean, ("input",))
    await ensure_unique(
        clean.phone, crypto.lookup_hash(clean.id_number), exclude_member_id=member_id
    )
    reason = clean_text(reason, ("input", "reason"))
    async with transaction():
        return await ProfileChangeRequest.create(
            member_id=member_id, changes=to_changes(clean), reason=reason, submitted_at=now
        )


async def review_profile_change(
    request_id: int,
    decision: ReviewDecision,
    note: str | None,
    staff_id: int | None,
    now: datetime,
) -> ProfileChangeRequest:
    """Approve (applies the change, duplicates re-checked) or reject a change request.
    Raises NotFound, InvalidState (reviewed already, member terminated), Duplicate."""
    note = clean_text(note, ("input", "note"))
    status = (
        ApplicationStatus.APPROVED
        if decision is ReviewDecision.APPROVE
        else ApplicationStatus.REJECTED
    )

    async def run() -> None:
        async with transaction():
            claimed = await ProfileChangeRequest.filter(
                id=request_id, status=ApplicationStatus.PENDING
            ).update(status=status, reviewed_at=now, reviewed_by_id=staff_id, review_note=note)
            request = await ProfileChangeRequest.get_or_none(id=request_id)
            if request is None:
                raise NotFound("No such profile change request.", ("input", "id"))
            if not claimed:
                raise InvalidState("This request has already been reviewed.", ("input", "id"))
            if status is ApplicationStatus.APPROVED:
                profile = from_changes(request.changes)
                await _apply(
                    request.member_id,
                    profile,
                    now,
                    path=("input", "id"),
                    field_paths=False,
                )

    await retry_busy(run)
    return await ProfileChangeRequest.get(id=request_id)


async def set_consents(member_id: int, consents: dict[str, bool | None], now: datetime) -> Member:
    """Record the member's consent per marketing channel and for profiling (DESIGN §2)."""
    values = {key: value for key, value in consents.items() if value is not None}
    unknown = set(values) - set(CONSENT_FIELDS)
    if unknown:
        raise Invalid(f"Unknown consents: {sorted(unknown)}.", ("input", "consents"))
    await live_member(member_id, ("input", "memberId"))
    async with transaction():
        await Member.filter(id=member_id).update(**values, consents_updated_at=now)
    # Withdrawn profiling consent takes BEHAVIOR and PREFERENCE rule tags off at once.
    await refresh_member_tags(member_id, now)
    return await Member.get(id=member_id)


async def confirm_profile(member_id: int, now: datetime) -> Member:
    """The member confirms their profile unchanged: the profile reminder leaves them be for
    12 months (DESIGN §10). Raises NotFound, InvalidState (terminated)."""

    async def run() -> int:
        async with transaction():
            return await (
                Member.filter(id=member_id)
                .exclude(status=MemberStatus.TERMINATED)
                .update(profile_confirmed_at=now)
            )

    if not await retry_busy(run):
        await live_member(member_id, ("input",))
    return await Member.get(id=member_id)
