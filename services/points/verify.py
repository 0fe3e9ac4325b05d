"""`memberhub verify-ledger`: every ledger invariant checked over the whole database.

Invariants (DESIGN §2 "Points ledger", §6): each entry's balanceAfter is the running
sum of the member's entries and never negative; the member's balance equals that sum
and the last balanceAfter; every debit is covered by open lots (FIFO); a purchase's
EARN matches its pointsEarned, its reversals never exceed it, its refunds never
exceed its amount; lifetimeSpend is purchases net of refunds; (member,
idempotencyKey) is used once; the guard triggers (append-only, never negative) are
in place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from tortoise import connections
from tortoise.functions import Count

from models.enums import PointsEntryKind
from models.member import Member
from models.points import GUARD_TRIGGERS, PointsEntry, Purchase, installed_guards
from services.points.lots import Overdrawn, open_lots

BATCH = 500
Row = TypeVar("Row", PointsEntry, Purchase)


@dataclass(frozen=True)
class Violation:
    problem: str
    member_id: int | None = None
    member_no: str | None = None

    def __str__(self) -> str:
        if self.member_id is None:
            return f"database: {self.problem}"
        return f"member {self.member_no} (id {self.member_id}): {self.problem}"


async def verify_ledger() -> list[Violation]:
    """Every violation of the ledger invariants, naming the member; [] when the ledger is sound."""
    found = await _database_violations()
    async for members in _member_batches():
        ids = [member.id for member in members]
        entries = _grouped(await PointsEntry.filter(member_id__in=ids).order_by("id"))
        purchases = _grouped(await Purchase.filter(member_id__in=ids).order_by("id"))
        for member in members:
            problems = [
                *_balance_problems(member, entries[member.id]),
                *_purchase_problems(member, purchases[member.id], entries[member.id]),
            ]
            found += [Violation(p, member.id, member.member_no) for p in problems]
    return found


async def _database_violations() -> list[Violation]:
    conn = connections.get("default")
    missing = GUARD_TRIGGERS[conn.capabilities.dialect] - await installed_guards(conn)
    found = [
        Violation(f"ledger guard trigger {name} is missing on points_entry")
        for name in sorted(missing)
    ]
    repeated = (
        await PointsEntry.filter(idempotency_key__isnull=False)
        .annotate(uses=Count("id"))
        .group_by("member_id", "idempotency_key")
        .filter(uses__gt=1)
        .values_list("member_id", "idempotency_key")
    )
    for member_id, key in repeated:
        member = await Member.get(id=member_id)
        problem = f"idempotencyKey {key!r} used more than once"
        found.append(Violation(problem, member_id, member.member_no))
    return found


async def _member_batches() -> AsyncIterator[list[Member]]:
    last = 0
    while True:
        members = await Member.filter(id__gt=last).order_by("id").limit(BATCH)
        if not members:
            return
        yield members
        last = members[-1].id


def _grouped(rows: Iterable[Row]) -> defaultdict[int, list[Row]]:
    groups: defaultdict[int, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.member_id].append(row)
    return groups


def _balance_problems(member: Member, entries: list[PointsEntry]) -> list[str]:
    problems = []
    running = 0
    for entry in entries:
        running += entry.points
        if entry.balance_after != running:
            problems.append(
                f"entry {entry.id} records balanceAfter {entry.balance_after} "
                f"but the entries up to it sum to {running}"
            )
            break
        if running < 0:
            problems.append(f"entry {entry.id} takes the balance below zero ({running})")
            break
    total = sum(entry.points for entry in entries)
    if member.points_balance != total:
        problems.append(f"balance {member.points_balance} but the entries sum to {total}")
    if member.points_balance < 0:
        problems.append(f"balance {member.points_balance} is negative")
    try:
        open_lots(entries)
    except Overdrawn as error:
        problems.append(f"a debit is not covered by earlier credits: {error}")
    return problems


def _purchase_problems(
    member: Member, purchases: list[Purchase], entries: list[PointsEntry]
) -> list[str]:
    problems = []
    # By purchase and campaign: the purchase's own points under None, each campaign's
    # entries on it (DESIGN §9) under the campaign's id.
    by_purchase: defaultdict[tuple[int, int | None], dict[PointsEntryKind, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for entry in entries:
        if entry.purchase_id is not None:
            by_purchase[entry.purchase_id, entry.campaign_id][entry.kind] += entry.points
    for (purchase_id, campaign_id), posted in by_purchase.items():
        if (
            campaign_id is not None
            and -posted[PointsEntryKind.REVERSAL] > posted[PointsEntryKind.EARN]
        ):
            problems.append(
                f"campaign {campaign_id} reversed more points than it gave on purchase "
                f"{purchase_id}"
            )
    for purchase in purchases:
        posted = by_purchase[purchase.id, None]
        if posted[PointsEntryKind.EARN] != purchase.points_earned:
            problems.append(
                f"purchase {purchase.order_ref} earned {purchase.points_earned} points "
                f"but its EARN entries hold {posted[PointsEntryKind.EARN]}"
            )
        if -posted[PointsEntryKind.REVERSAL] > purchase.points_earned:
            problems.append(f"purchase {purchase.order_ref} reversed more points than it earned")
        if purchase.refunded_amount > purchase.amount:
            problems.append(f"purchase {purchase.order_ref} refunded more than its amount")
    net = sum((p.amount - p.refunded_amount for p in purchases), Decimal("0"))
    if member.lifetime_spend != net:
        problems.append(f"lifetimeSpend {member.lifetime_spend} but purchases net to {net}")
    return problems
