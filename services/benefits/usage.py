"""Using a benefit and revoking a use (DESIGN §2 "Benefits").

A use runs in one transaction that starts by locking the member row (`locked_member`;
on SQLite every transaction holds the write lock from its BEGIN), so concurrent uses
by one member are serialised and a usage limit holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from core.ids import to_global_id
from models.benefit import Benefit, BenefitTier, BenefitUsage
from models.enums import MemberStatus, PointsEntryKind
from models.member import Member
from services.benefits.eligibility import period_start, refusal, uses_in_period
from services.clock import as_utc
from services.db import retry_busy, transaction
from services.errors import Duplicate, Invalid, InvalidState, NotFound
from services.points import post_entry
from services.points.ledger import locked_member
from services.validation import clean_key, clean_text
from services.webhooks import emit

KEY_FIELD = ("input", "idempotencyKey")
MAX_NOTE = 500


def _clean_note(note: str | None) -> str | None:
    text = clean_text(note, ("input", "note"))
    if text is not None and len(text) > MAX_NOTE:
        raise Invalid(f"A note has at most {MAX_NOTE} characters.", ("input", "note"))
    return text


async def use_benefit(
    member_id: int,
    benefit_code: str,
    idempotency_key: str,
    now: datetime,
    *,
    note: str | None = None,
) -> BenefitUsage:
    """Record a use of a benefit and debit its points cost (a REDEEM entry) together.

    A repeated key returns the first usage and moves nothing. Raises Invalid, NotFound
    (member, benefit), Duplicate (key used for another benefit), InvalidState (member
    not ACTIVE), NotEligible (benefit inactive, tier, birthday month, usage limit),
    InsufficientPoints.
    """
    key = clean_key(idempotency_key)
    code = benefit_code.strip().upper()
    text = _clean_note(note)

    async def write() -> BenefitUsage:
        async with transaction() as conn:
            return await _use(conn, member_id, code, key, text, now)

    try:
        return await retry_busy(write)
    except IntegrityError:
        # The UNIQUE (member, key): a concurrent request with the same key won.
        first = await BenefitUsage.get_or_none(member_id=member_id, idempotency_key=key)
        if first is None:
            raise
        return await _replayed(None, first, code)


async def _replayed(conn: Any, usage: BenefitUsage, code: str) -> BenefitUsage:
    benefit = await Benefit.get(id=usage.benefit_id, using_db=conn)
    if benefit.code != code:
        raise Duplicate("This idempotencyKey was used for another benefit.", KEY_FIELD)
    return usage


async def _use(
    conn: Any, member_id: int, code: str, key: str, note: str | None, now: datetime
) -> BenefitUsage:
    member = await locked_member(conn, member_id)
    first = await BenefitUsage.get_or_none(member_id=member_id, idempotency_key=key, using_db=conn)
    if first is not None:
        return await _replayed(conn, first, code)
    benefit = await Benefit.get_or_none(code=code, using_db=conn)
    if benefit is None:
        raise NotFound(f"No benefit has code {code}.", ("input", "benefitCode"))
    await _check(conn, member, benefit, now)
    usage = await BenefitUsage.create(
        benefit_id=benefit.id,
        member_id=member_id,
        used_at=now,
        points_spent=benefit.points_cost,
        note=note,
        idempotency_key=key,
        using_db=conn,
    )
    data = {
        "usageId": to_global_id("BenefitUsage", usage.id),
        "benefitCode": benefit.code,
        "pointsSpent": benefit.points_cost,
    }
    await emit(conn, "benefit.used", member_id, data, now)
    if benefit.points_cost:
        await post_entry(
            conn,
            member_id,
            PointsEntryKind.REDEEM,
            -benefit.points_cost,
            now,
            reason=f"Benefit {benefit.code}",
        )
    return usage


async def _check(conn: Any, member: Member, benefit: Benefit, now: datetime) -> None:
    """Raise the first refusal of DESIGN's checks, counting uses under the member's lock."""
    tier_id = member.tier_id
    held = await BenefitTier.filter(benefit_id=benefit.id, tier_id=tier_id).using_db(conn).exists()
    used = await uses_in_period([member.id], [benefit], now, conn)
    refused = refusal(
        member, benefit, held=held, used=used.get((member.id, benefit.id), 0), now=now
    )
    if refused is not None:
        raise refused.exception()


async def revoke_usage(
    usage_id: int, reason: str, now: datetime, *, revoked_by_id: int | None = None
) -> BenefitUsage:
    """Mark a usage revoked and refund its points with an ADJUST entry.

    Raises Invalid (no reason), NotFound, InvalidState (already revoked, or the
    membership has ended).
    """
    text = clean_text(reason, ("input", "reason"), required=True)

    async def write() -> BenefitUsage:
        async with transaction() as conn:
            # The guarded UPDATE is the state check and the transaction's first write.
            changed = (
                await BenefitUsage.filter(id=usage_id, revoked=False)
                .using_db(conn)
                .update(revoked=True, revoked_reason=text, revoked_at=now)
            )
            usage = await BenefitUsage.get_or_none(id=usage_id, using_db=conn)
            if usage is None:
                raise NotFound("No such benefit usage.", ("input", "id"))
            if not changed:
                raise InvalidState("This usage is already revoked.", ("input", "id"))
            member = await Member.get(id=usage.member_id, using_db=conn)
            if member.status == MemberStatus.TERMINATED:
                raise InvalidState(
                    "The membership has ended; nothing can be refunded.", ("input", "id")
                )
            await _refund(conn, usage, now, revoked_by_id)
            return usage

    return await retry_busy(write)


async def _refund(conn: Any, usage: BenefitUsage, now: datetime, staff_id: int | None) -> None:
    if not usage.points_spent:
        return
    await post_entry(
        conn,
        usage.member_id,
        PointsEntryKind.ADJUST,
        usage.points_spent,
        now,
        reason=f"Refund of revoked benefit usage {usage.id}",
        created_by_id=staff_id,
    )


async def revoke_member_usages(member_id: int, reason: str, now: datetime) -> int:
    """Revoke and refund the member's unused usages: those still counting against the
    current period of their benefit (a member's suspension, DESIGN §2 "Members").
    Returns how many were revoked; raises NotFound."""

    async def write() -> int:
        async with transaction() as conn:
            await locked_member(conn, member_id)
            usages = (
                await BenefitUsage.filter(member_id=member_id, revoked=False)
                .using_db(conn)
                .select_related("benefit")
            )
            unused = [usage for usage in usages if _counts_now(usage, now)]
            if not unused:
                return 0
            await (
                BenefitUsage.filter(id__in=[usage.id for usage in unused])
                .using_db(conn)
                .update(revoked=True, revoked_reason=reason, revoked_at=now)
            )
            for usage in unused:
                await _refund(conn, usage, now, None)
            return len(unused)

    return await retry_busy(write)


def _counts_now(usage: BenefitUsage, now: datetime) -> bool:
    start = period_start(usage.benefit, now)
    return start is None or as_utc(usage.used_at) >= start
