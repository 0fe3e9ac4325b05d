"""Types of the points ledger and purchases, and the Member fields that read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.queryset import QuerySet

from models.points import PointsEntry as PointsEntryModel
from models.points import Purchase as PurchaseModel
from resolvers.loaders import by_id, group_by, started
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import PointsEntryKind, RedemptionPurpose
from schema.ids import to_global_id
from schema.keyed_pages import CountKey, PageKey, keyed_connection, load_counts, load_pages
from schema.pagination import After, Connection, First, Window, page_in_hand
from schema.prefetch import relation
from schema.staff import StaffUser
from schema.tiers import TierChange
from services.clock import local_date, utcnow
from services.points import lots
from services.points.dates import end_of_next_month
from services.shapes import rows_in

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]
purchase_by_id = by_id(PurchaseModel)
_CREATED_BY = relation("PointsEntry", "createdBy", attrgetter("staff_by_id"), "created_by_id")


def _entries(kind: PointsEntryKind | None) -> QuerySet[PointsEntryModel]:
    entries = PointsEntryModel.all()
    return entries if kind is None else entries.filter(kind=kind)


def _purchases(_: None) -> QuerySet[PurchaseModel]:
    return PurchaseModel.all()


async def ledger_pages(
    keys: Sequence[PageKey[PointsEntryKind | None]],
) -> list[list[PointsEntryModel]]:
    return await load_pages(keys, _entries, "member_id", ("-id",))


async def ledger_counts(keys: Sequence[CountKey[PointsEntryKind | None]]) -> list[int]:
    return await load_counts(keys, _entries, "member_id")


async def purchase_pages(keys: Sequence[PageKey[None]]) -> list[list[PurchaseModel]]:
    return await load_pages(keys, _purchases, "member_id", ("-occurred_at", "-id"))


async def purchase_counts(keys: Sequence[CountKey[None]]) -> list[int]:
    return await load_counts(keys, _purchases, "member_id")


async def ledgers(member_ids: Sequence[int]) -> list[list[PointsEntryModel]]:
    """Each member's whole ledger, in posting order."""
    entries = await rows_in(PointsEntryModel, "member_id", member_ids, ("id",))
    return group_by(entries, "member_id", member_ids)


@model_type(PurchaseModel)
class Purchase(Node):
    order_ref: str
    amount: Decimal
    refunded_amount: Decimal
    channel: str | None
    occurred_at: datetime
    points_earned: int

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Purchase", self.id))

    @strawberry.field
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)  # type: ignore[no-any-return]


@model_type(PointsEntryModel)
class PointsEntry(Node):
    kind: PointsEntryKind
    points: int = strawberry.field(description="Signed: positive credits, negative debits.")
    balance_after: int
    reason: str | None
    expires_at: datetime | None = strawberry.field(
        description="For EARN entries: when its unconsumed remainder expires."
    )
    idempotency_key: str | None
    created_at: datetime

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("PointsEntry", self.id))

    @strawberry.field
    async def purchase(self, info: Info) -> Purchase | None:
        if self.purchase_id is None:
            return None
        return await info.context.loaders.get(purchase_by_id).load(self.purchase_id)  # type: ignore[no-any-return]

    @strawberry.field
    def created_by(self, info: Info) -> StaffUser | None:
        return _CREATED_BY.resolve(self, info)


@strawberry.type
class MemberPointsFields:
    """Member fields of the points ledger and purchases, joined into Member (schema/members.py).

    `self` is the Member row; every list loads through this request's DataLoaders.
    """

    lifetime_spend: Decimal | None
    points_balance: int | None

    @strawberry.field(
        description="Points that will expire on or before the given date (default: end of "
        "next month)."
    )
    async def points_expiring_by(self, info: Info, date: Date | None = None) -> int | None:
        day = date or end_of_next_month(local_date(utcnow()))
        entries = await info.context.loaders.get(ledgers).load(self.id)  # type: ignore[attr-defined]
        return lots.points_expiring_by(entries, day)

    @strawberry.field
    async def points_ledger(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: PointsEntryKind | None = None,
    ) -> Connection[PointsEntry] | None:
        window = Window.of(first, after)
        whole = started(info.context.loaders.get(ledgers), self.id)  # type: ignore[attr-defined]
        if whole is not None:
            # The expiry figure reads the whole ledger in this request: the page and its
            # count come from it, as a member screen shows both (two statements fewer).
            newest_first = [entry for entry in reversed(await whole) if kind in (None, entry.kind)]
            return await page_in_hand(info, newest_first, window)
        return await keyed_connection(
            info,
            ledger_pages,
            ledger_counts,
            self.id,  # type: ignore[attr-defined]
            kind,
            window,
        )

    @strawberry.field
    async def purchases(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Purchase] | None:
        return await keyed_connection(
            info,
            purchase_pages,
            purchase_counts,
            self.id,  # type: ignore[attr-defined]
            None,
            Window.of(first, after),
        )


@strawberry.type
class PurchasePayload:
    purchase: Purchase | None = None
    tier_change: TierChange | None = strawberry.field(
        default=None, description="Set when this purchase promoted the member."
    )
    member: MemberRef | None = None
    errors: list[UserError] = errors_field()


@strawberry.type
class PointsPayload:
    entry: PointsEntry | None = None
    member: MemberRef | None = None
    cash_value: Decimal | None = strawberry.field(
        default=None, description="For CASH_OFFSET redemptions: the money value of the points."
    )
    errors: list[UserError] = errors_field()


@strawberry.input
class RecordPurchaseInput:
    member_id: strawberry.ID
    order_ref: str = strawberry.field(
        description="Unique per purchase; recording the same orderRef again changes nothing "
        "and returns the first result."
    )
    amount: Decimal
    occurred_at: datetime | None = None
    channel: str | None = None


@strawberry.input
class RefundPurchaseInput:
    order_ref: str
    amount: Decimal
    reason: str | None = None


@strawberry.input
class RedeemPointsInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    points: int
    purpose: RedemptionPurpose
    reference: str | None = None
    idempotency_key: str = strawberry.field(
        description="Repeating a key returns the first result and moves no points."
    )


@strawberry.input
class AdjustPointsInput:
    member_id: strawberry.ID
    points: int = strawberry.field(description="Signed.")
    reason: str
    idempotency_key: str
