"""Tiers: the ladder, qualification, promotion, demotion and manual overrides (DESIGN §2 "Tiers").

Qualifying spend and orders are purchases net of refunds whose occurredAt lies in
the rolling window (settings.tier_window_months) ending at the moment evaluated; a
partly refunded order still counts, a fully refunded one does not. Promotion,
evaluation and a member's progress (DESIGN §9) all judge a tier by `shortfall`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.ids import to_global_id
from core.settings import get_settings
from models.enums import MemberStatus, TierChangeReason
from models.member import Member
from models.points import Purchase
from models.tier import Tier, TierChange
from services import limits
from services.clock import as_utc
from services.communications import notify
from services.db import retry_busy, transaction
from services.errors import Duplicate, Invalid, InvalidState, NotFound
from services.jobs import JobResult, JobRun, Members, ReportProgress, each_member, for_each
from services.limits import ensure_room
from services.orders import KEPT_ORDER
from services.points.dates import months_before
from services.points.ledger import locked_member
from services.reference_data import read_ladder, reference_data
from services.schedules import next_slot
from services.validation import clean_text
from services.webhooks import emit
from shortcuts.sql import fetch_dicts, marks

CENT = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_MULTIPLIER = Decimal("9999.99")
# Members in these states keep their tier under evaluation; the terminated are left alone.
EVALUATED = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.TERMINATING)


@dataclass(frozen=True)
class Qualifying:
    spend: Decimal = Decimal("0.00")
    orders: int = 0


@dataclass(frozen=True)
class TierFields:
    code: str
    name: str
    rank: int
    min_spend: Decimal
    min_orders: int
    points_multiplier: Decimal
    description: str | None = None


# ---------------------------------------------------------------- qualification


def window_start(as_of: datetime) -> datetime:
    return months_before(as_of, get_settings().tier_window_months)


_QUALIFYING = (
    "SELECT member_id, SUM(CAST(amount AS NUMERIC) - CAST(refunded_amount AS NUMERIC)) AS spend,"
    f" SUM(CASE WHEN {KEPT_ORDER} THEN 1 ELSE 0 END) AS orders"
    " FROM purchase WHERE occurred_at > ? AND occurred_at <= ?{members} GROUP BY member_id"
)


async def qualifying_for(
    member_ids: Sequence[int] | None, as_of: datetime, conn: Any = None
) -> dict[int, Qualifying]:
    """Qualifying spend and orders per member for the window ending at `as_of`: one grouped query.

    `member_ids` None means every member with a purchase in the window.
    """
    params: list[Any] = [as_utc(window_start(as_of)), as_utc(as_of)]
    members = ""
    if member_ids is not None:
        ids = list(member_ids)
        if not ids:
            return {}
        members = f" AND member_id IN ({marks(len(ids))})"
        params += ids
    rows = await fetch_dicts(conn, _QUALIFYING.format(members=members), params)
    return {
        row["member_id"]: Qualifying(money(row["spend"]), int(row["orders"] or 0)) for row in rows
    }


def qualifying_in(purchases: Iterable[Purchase], as_of: datetime) -> Qualifying:
    """`qualifying_for` over purchases held in memory (one member's, e.g. a bulk history)."""
    start, end = window_start(as_of), as_utc(as_of)
    spend, orders = Decimal(0), 0
    for purchase in purchases:
        if start < as_utc(purchase.occurred_at) <= end:
            spend += purchase.amount - purchase.refunded_amount
            if purchase.refunded_amount < purchase.amount:
                orders += 1
    return Qualifying(money(spend), orders)


def money(value: Any) -> Decimal:
    """A summed amount as exact cents (SQLite sums DECIMAL columns as floating point)."""
    return Decimal(str(value or 0)).quantize(CENT)


def shortfall(tier: Tier, qualifying: Qualifying) -> Qualifying:
    """The spend and orders `qualifying` still lacks for `tier`'s criteria (0 for each met)."""
    return Qualifying(
        max(tier.min_spend - qualifying.spend, Decimal(0)).quantize(CENT),
        max(tier.min_orders - qualifying.orders, 0),
    )


def meets(tier: Tier, qualifying: Qualifying) -> bool:
    return shortfall(tier, qualifying) == Qualifying()


def highest_met(ladder: Sequence[Tier], qualifying: Qualifying) -> Tier:
    """The highest tier whose criteria `qualifying` meets; the entry tier when none is met."""
    met = [tier for tier in ladder if meets(tier, qualifying)]
    return max(met or [min(ladder, key=lambda t: t.rank)], key=lambda t: t.rank)


def tier_of(ladder: Sequence[Tier], tier_id: int) -> Tier:
    return next(tier for tier in ladder if tier.id == tier_id)


def may_rise(ladder: Sequence[Tier], member: Member) -> bool:
    """Whether the member could be promoted at all: some higher tier asks no more spend
    than their lifetimeSpend, which bounds any window's qualifying spend (both are
    purchases net of refunds). When not, the window need not be read."""
    current = tier_of(ladder, member.tier_id)
    return any(t.rank > current.rank and t.min_spend <= member.lifetime_spend for t in ladder)


def promotion(ladder: Sequence[Tier], tier_id: int, qualifying: Qualifying) -> Tier | None:
    """The tier a purchase promotes to: the highest met, if above the one held (never down)."""
    target = highest_met(ladder, qualifying)
    return target if target.rank > tier_of(ladder, tier_id).rank else None


async def ladder(conn: Any = None) -> list[Tier]:
    """Every tier, entry tier first: as `conn`'s transaction sees it, or as committed
    (the copy kept in memory, services/reference_data.py)."""
    if conn is None:
        return (await reference_data()).ladder
    return await read_ladder(conn)


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """How far a member is from the next tier now, and from keeping theirs at the next
    evaluation (DESIGN §9). `to_next` is None at the top of the ladder; `keep_by` and
    `to_keep` are None while the tier evaluation is not scheduled."""

    next_tier: Tier | None
    to_next: Qualifying | None
    keep_by: datetime | None
    to_keep: Qualifying | None


def next_evaluation(now: datetime) -> datetime | None:
    """When the worker next evaluates tiers (MEMBERHUB_SCHEDULE_TIER_EVALUATION)."""
    settings = get_settings()
    return next_slot(settings.schedule_tier_evaluation, settings.tz, now)


def progress(
    ladder: Sequence[Tier],
    tier_id: int,
    purchases: Sequence[Purchase],
    now: datetime,
    keep_by: datetime | None,
) -> Progress:
    """A member's progress from `purchases` (theirs, at least those of the window ending
    `now`). What keeping the tier needs counts only purchases already made that still lie
    in the window ending at `keep_by`; the entry tier, never demoted, needs nothing."""
    current = tier_of(ladder, tier_id)
    above = [tier for tier in ladder if tier.rank > current.rank]
    next_tier = min(above, key=lambda t: t.rank, default=None)
    to_next = None if next_tier is None else shortfall(next_tier, qualifying_in(purchases, now))
    to_keep = None
    if keep_by is not None:
        entry = current.rank == min(t.rank for t in ladder)
        to_keep = Qualifying() if entry else shortfall(current, qualifying_in(purchases, keep_by))
    return Progress(next_tier, to_next, keep_by, to_keep)


async def progress_of(members: Sequence[tuple[int, int]], now: datetime) -> list[Progress]:
    """`progress` of each (member id, tier id), in order: the ladder and the window's
    purchases of all of them read once (two statements whatever their number)."""
    tiers = await ladder()
    ids = {member_id for member_id, _ in members}
    purchases = await Purchase.filter(member_id__in=ids, occurred_at__gt=window_start(now))
    by_member: dict[int, list[Purchase]] = {}
    for purchase in purchases:
        by_member.setdefault(purchase.member_id, []).append(purchase)
    keep_by = next_evaluation(now)
    return [
        progress(tiers, tier_id, by_member.get(member_id, []), now, keep_by)
        for member_id, tier_id in members
    ]


# ---------------------------------------------------------------- changes


async def record_change(
    conn: Any,
    member: Member,
    to_tier: Tier,
    reason: TierChangeReason,
    now: datetime,
    *,
    note: str | None = None,
    created_by_id: int | None = None,
    purchase_id: int | None = None,
) -> TierChange:
    """Move the member to `to_tier`, write the TierChange and notify the member."""
    change = change_row(member, to_tier, reason, now, note, created_by_id, purchase_id)
    await change.save(using_db=conn)
    await Member.filter(id=member.id).using_db(conn).update(tier_id=to_tier.id)
    data = {
        "fromTierId": to_global_id("Tier", member.tier_id),
        "toTierId": to_global_id("Tier", to_tier.id),
        "toTierCode": to_tier.code,
        "reason": reason.value,
    }
    await emit(conn, "tier.changed", member.id, data, now)
    member.tier_id = to_tier.id
    await notify(member.id, *notice(reason, to_tier), now, using_db=conn)
    return change


def change_row(
    member: Member,
    to_tier: Tier,
    reason: TierChangeReason,
    now: datetime,
    note: str | None = None,
    created_by_id: int | None = None,
    purchase_id: int | None = None,
) -> TierChange:
    """The TierChange moving the member from their tier to `to_tier`, unsaved."""
    return TierChange(
        member_id=member.id,
        from_tier_id=member.tier_id,
        to_tier_id=to_tier.id,
        reason=reason,
        at=now,
        note=note,
        created_by_id=created_by_id,
        purchase_id=purchase_id,
    )


def notice(reason: TierChangeReason, tier: Tier) -> tuple[str, str]:
    """Subject and text of the notification that tells a member of a tier change."""
    return f"Your membership tier is now {tier.name}", _change_text(reason, tier)


def _change_text(reason: TierChangeReason, tier: Tier) -> str:
    if reason == TierChangeReason.PROMOTION:
        return f"Congratulations: your purchases have taken you to {tier.name}."
    if reason == TierChangeReason.DEMOTION:
        return f"Your qualifying purchases no longer keep your tier; you are now {tier.name}."
    return f"Your membership tier has been set to {tier.name}."


async def promote_after_purchase(
    conn: Any,
    member: Member,
    now: datetime,
    purchase_id: int,
    ladder_now: Sequence[Tier] | None = None,
) -> TierChange | None:
    """Promote at once to the highest tier the window up to `now` qualifies for (never demote).

    `ladder_now` is the ladder when the caller has read it in this transaction.
    """
    tiers = ladder_now or await ladder(conn)
    qualifying = (await qualifying_for([member.id], now, conn)).get(member.id, Qualifying())
    target = promotion(tiers, member.tier_id, qualifying)
    if target is None:
        return None
    return await record_change(
        conn, member, target, TierChangeReason.PROMOTION, now, purchase_id=purchase_id
    )


async def set_member_tier(
    member_id: int, tier_code: str, note: str, now: datetime, *, created_by_id: int | None
) -> Member:
    """Place a member in a tier by hand (a MANUAL TierChange with the note; notified).

    Raises NotFound (member, tierCode), Invalid (blank note), InvalidState (terminated
    member, or already in that tier).
    """
    text = clean_text(note, ("input", "note"), required=True)
    tier = await Tier.get_or_none(code=tier_code.strip().upper())
    if tier is None:
        raise NotFound(f"No tier with code {tier_code!r}.", ("input", "tierCode"))

    async def write() -> Member:
        async with transaction() as conn:
            member = await locked_member(conn, member_id)
            if member.status == MemberStatus.TERMINATED:
                raise InvalidState(
                    "A terminated member has no tier to change.", ("input", "memberId")
                )
            if member.tier_id == tier.id:
                raise InvalidState("The member is already in that tier.", ("input", "tierCode"))
            await record_change(
                conn,
                member,
                tier,
                TierChangeReason.MANUAL,
                now,
                note=text,
                created_by_id=created_by_id,
            )
            return member

    return await retry_busy(write)


# ---------------------------------------------------------------- evaluation job


async def run_tier_evaluation(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Demote every member below their tier's criteria for the window ending at `as_of`
    to the highest tier they meet (DESIGN §2; promotion happens at purchase, not here).

    Running it again for the same `as_of` changes nothing.
    """
    run = JobRun("tier-evaluation", as_of)
    as_of = run.as_of
    tiers = await ladder()
    entry = min((t.rank for t in tiers), default=0)
    evaluated = Member.filter(status__in=list(EVALUATED), tier__rank__gt=entry)
    by_id = {t.id: t for t in tiers}

    async def below_their_tier(page: list[int]) -> list[int]:
        members = await Member.filter(id__in=page).order_by("id").values_list("id", "tier_id")
        qualifying = await qualifying_for(page, as_of)
        return [
            member_id
            for member_id, tier_id in members
            if highest_met(tiers, qualifying.get(member_id, Qualifying())).rank
            < by_id[tier_id].rank
        ]

    step = each_member(lambda member_id: _demote(member_id, as_of))
    visited = await for_each(run, Members(evaluated, key="id"), step, progress, below_their_tier)
    return run.result(*visited)


async def _demote(member_id: int, as_of: datetime) -> int:
    """Demote one member if they are still below their tier's criteria (rechecked under lock)."""

    async def write() -> int:
        async with transaction() as conn:
            member = await locked_member(conn, member_id)
            tiers = await ladder(conn)
            current = next(t for t in tiers if t.id == member.tier_id)
            qualifying = (await qualifying_for([member_id], as_of, conn)).get(
                member_id, Qualifying()
            )
            target = highest_met(tiers, qualifying)
            if member.status not in EVALUATED or target.rank >= current.rank:
                return 0
            await record_change(conn, member, target, TierChangeReason.DEMOTION, as_of)
            return 1

    return await retry_busy(write)


# ---------------------------------------------------------------- the ladder


def clean_tier(
    code: str,
    name: str,
    rank: int,
    min_spend: Decimal,
    min_orders: int,
    points_multiplier: Decimal | float,
    description: str | None,
) -> TierFields:
    """Validate one tier's own values; raises Invalid at the offending input path."""
    code = code.strip().upper()
    if not code or len(code) > 32 or not code.replace("_", "").isalnum():
        raise Invalid("A tier code is 1 to 32 letters, digits or underscores.", ("input", "code"))
    clean_name = (name or "").strip()
    if not clean_name or len(clean_name) > 64:
        raise Invalid("A tier name is 1 to 64 characters.", ("input", "name"))
    if rank < 0 or rank > 1000:
        raise Invalid("A rank is between 0 and 1000.", ("input", "rank"))
    if not min_spend.is_finite() or min_spend < 0 or min_spend > MAX_MONEY:
        raise Invalid("minSpend is a non-negative amount.", ("input", "minSpend"))
    if min_orders < 0 or min_orders > 1_000_000:
        raise Invalid("minOrders is a non-negative count.", ("input", "minOrders"))
    multiplier = _multiplier(points_multiplier)
    return TierFields(
        code,
        clean_name,
        rank,
        min_spend.quantize(CENT),
        min_orders,
        multiplier,
        clean_text(description, ("input", "description")),
    )


def _multiplier(value: Decimal | float) -> Decimal:
    field = ("input", "pointsMultiplier")
    try:
        multiplier = Decimal(str(value))
    except InvalidOperation:
        raise Invalid("pointsMultiplier must be a number.", field) from None
    if not multiplier.is_finite() or multiplier <= 0 or multiplier > MAX_MULTIPLIER:
        raise Invalid("pointsMultiplier must be greater than 0.", field)
    if multiplier != multiplier.quantize(CENT):
        raise Invalid("pointsMultiplier has at most two decimal places.", field)
    return multiplier.quantize(CENT)


async def upsert_tier(tier_id: int | None, fields: TierFields) -> Tier:
    """Create (tier_id None) or update a tier, keeping the ladder sound.

    Raises Duplicate (code, rank), NotFound, Invalid when the ladder would lose its
    entry tier (rank 0) or a higher tier would ask for less than a lower one.
    """

    async def write() -> Tier:
        async with transaction() as conn:
            tier = await _write_tier(conn, tier_id, fields)
            _check_ladder(await ladder(conn))
            return tier

    return await retry_busy(write)


async def _write_tier(conn: Any, tier_id: int | None, fields: TierFields) -> Tier:
    others = Tier.all().using_db(conn)
    if tier_id is not None:
        if not await Tier.filter(id=tier_id).using_db(conn).exists():
            raise NotFound("No such tier.", ("input", "id"))
        others = others.exclude(id=tier_id)
    if await others.filter(code=fields.code).exists():
        raise Duplicate(f"A tier with code {fields.code} exists.", ("input", "code"))
    if await others.filter(rank=fields.rank).exists():
        raise Duplicate(f"A tier with rank {fields.rank} exists.", ("input", "rank"))
    values = asdict(fields)
    if tier_id is None:
        await ensure_room(Tier.all().using_db(conn), limits.TIERS, "tiers", ("input", "code"))
        return await Tier.create(**values, using_db=conn)
    await Tier.filter(id=tier_id).using_db(conn).update(**values)
    return await Tier.get(id=tier_id, using_db=conn)


def _check_ladder(tiers: Sequence[Tier]) -> None:
    """Rank 0 exists; each tier asks at least as much as the one below, and more of something."""
    if not tiers or tiers[0].rank != 0:
        raise Invalid("The ladder must keep its entry tier (rank 0).", ("input", "rank"))
    for lower, higher in zip(tiers, tiers[1:], strict=False):
        if higher.min_spend < lower.min_spend:
            raise Invalid(
                f"{higher.code} must not ask less spend than {lower.code}.", ("input", "minSpend")
            )
        if higher.min_orders < lower.min_orders:
            raise Invalid(
                f"{higher.code} must not ask fewer orders than {lower.code}.",
                ("input", "minOrders"),
            )
        if (higher.min_spend, higher.min_orders) == (lower.min_spend, lower.min_orders):
            raise Invalid(f"{higher.code} must ask more than {lower.code}.", ("input", "minSpend"))
