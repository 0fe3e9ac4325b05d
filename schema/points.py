"""Types of the points ledger and purchases, and the Member fields that read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.queryset import QuerySet

from core.ids import to_global_id
from models.points import PointsEntry as PointsEntryModel
from models.points import Purchase as PurchaseModel
from resolvers.campaigns import campaign_by_id
from resolvers.loaders import by_id, group_by, started
from schema.campaigns import Campaign
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.enums import PointsEntryKind, RedemptionPurpose
from schema.pagination import After, Connection, First, Window, keyed_connection, page_in_hand
from schema.staff import StaffUser
from schema.tiers import TierChange
from services.clock import local_date, utcnow
from services.points import lots
from services.points.dates import end_of_next_month
from shortcuts import CountKey, PageKey, load_counts, load_pages, relation, rows_in

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]
purchase_by_id = by_id(PurchaseModel)


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


@model_type(
    PurchaseModel,
    description="A purchase recorded for a member (recordPurchase); it earns points and "
    "counts towards tiers.",
)
class Purchase(Node):
    order_ref: str = strawberry.field(description="The shop's order reference, unique.")
    amount: Decimal = strawberry.field(description="Amount paid, in currency units.")
    refunded_amount: Decimal = strawberry.field(
        description="Amount refunded so far, in currency units; 0 if none."
    )
    channel: str | None = strawberry.field(
        description="Where it was bought, as the recording system named it (e.g. a store)."
    )
    occurred_at: datetime = strawberry.field(
        description="When the purchase was made (UTC); it dates the points' expiry and the "
        "birthday bonus."
    )
    points_earned: int = strawberry.field(
        description="Points its EARN entry credited (before any refund took some back)."
    )

    @strawberry.field(description="Global ID of the purchase.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Purchase", self.id))

    @strawberry.field(description="Who bought it.")
    async def member(self, info: Info) -> MemberRef:
        return await info.context.loaders.member_by_id.load(self.member_id)


@model_type(
    PointsEntryModel,
    description="One entry of a member's points ledger. The ledger is append-only: entries "
    "are never changed or deleted, corrections are new entries. Points are whole numbers.",
)
class PointsEntry(Node):
    kind: PointsEntryKind = strawberry.field(description="What the entry records.")
    points: int = strawberry.field(description="Signed: positive credits, negative debits.")
    balance_after: int = strawberry.field(
        description="The member's balance after this entry (never below 0)."
    )
    reason: str | None = strawberry.field(
        description='Why, in words: the reason given for an ADJUST, "Redeemed for GIFT: '
        "<reference>\", the benefit used, a refund's points shortfall."
    )
    expires_at: datetime | None = strawberry.field(
        description="For EARN entries: when its unconsumed remainder expires."
    )
    idempotency_key: str | None = strawberry.field(
        description="The key a redemption or adjustment was posted with; null for others."
    )
    created_at: datetime = strawberry.field(description="When it was posted (UTC).")

    @strawberry.field(description="Global ID of the entry.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("PointsEntry", self.id))

    purchase: Purchase | None = relation(
        methodcaller("get", purchase_by_id),
        "purchase_id",
        description="The purchase an EARN or REVERSAL entry belongs to.",
    )

    created_by: StaffUser | None = relation(
        attrgetter("staff_by_id"),
        "created_by_id",
        description="The staff user who posted it; null for the member or a job.",
    )

    campaign: Campaign | None = relation(
        methodcaller("get", campaign_by_id),
        "campaign_id",
        description="The campaign whose points an EARN entry gives (or a REVERSAL takes "
        "back); null for the purchase's own points and every other entry.",
    )


@strawberry.type
class MemberPointsFields:
    """Member fields of the points ledger and purchases, joined into Member (schema/members.py).

    `self` is the Member row; every list loads through this request's DataLoaders.
    """

    lifetime_spend: Decimal | None = strawberry.field(
        description="Total spend since joining, net of refunds, in currency units."
    )
    points_balance: int | None = strawberry.field(
        description="Current points balance: the sum of all ledger entries, never below 0."
    )

    @strawberry.field(
        description="Points that will expire on or before the given date (default: end of "
        "next month)."
    )
    async def points_expiring_by(
        self,
        info: Info,
        date: Annotated[
            Date | None,
            strawberry.argument(description="Last day counted, in the business time zone."),
        ] = None,
    ) -> int | None:
        day = date or end_of_next_month(local_date(utcnow()))
        entries = await info.context.loaders.get(ledgers).load(self.id)
        return lots.points_expiring_by(entries, day)

    @strawberry.field(description="The member's points ledger, newest entry first.")
    async def points_ledger(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            PointsEntryKind | None,
            strawberry.argument(description="Only entries of this kind; default all."),
        ] = None,
    ) -> Connection[PointsEntry] | None:
        window = Window.of(first, after)
        whole = started(info.context.loaders.get(ledgers), self.id)
        if whole is not None:
            # The expiry figure reads the whole ledger in this request: the page and its
            # count come from it, as a member screen shows both (two statements fewer).
            newest_first = [entry for entry in reversed(await whole) if kind in (None, entry.kind)]
            return await page_in_hand(info, newest_first, window)
        return await keyed_connection(
            info,
            ledger_pages,
            ledger_counts,
            self.id,
            kind,
            window,
        )

    @strawberry.field(description="The member's purchases, most recent occurredAt first.")
    async def purchases(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Purchase] | None:
        return await keyed_connection(
            info,
            purchase_pages,
            purchase_counts,
            self.id,
            None,
            Window.of(first, after),
        )


@strawberry.type(description="Result of recordPurchase and refundPurchase.")
class PurchasePayload:
    purchase: Purchase | None = strawberry.field(
        default=None, description="The purchase as it now stands; null when refused."
    )
    tier_change: TierChange | None = strawberry.field(
        default=None, description="Set when this purchase promoted the member."
    )
    member: MemberRef | None = strawberry.field(
        default=None, description="The member after the change (balance, tier)."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of redeemPoints and adjustPoints.")
class PointsPayload:
    entry: PointsEntry | None = strawberry.field(
        default=None, description="The ledger entry posted (or first posted with this key)."
    )
    member: MemberRef | None = strawberry.field(
        default=None, description="The member after the change."
    )
    cash_value: Decimal | None = strawberry.field(
        default=None, description="For CASH_OFFSET redemptions: the money value of the points."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A purchase to record.")
class RecordPurchaseInput:
    member_id: strawberry.ID = strawberry.field(description="Who bought it.")
    order_ref: str = strawberry.field(
        description="Unique per purchase; recording the same orderRef again changes nothing "
        "and returns the first result."
    )
    amount: Decimal = strawberry.field(
        description="Amount paid in currency units, greater than 0, at most two decimals."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When it was bought; default now. May lie in the past (also before the "
        "member joined), not in the future.",
    )
    channel: str | None = strawberry.field(
        default=None, description="Where it was bought, up to 64 characters."
    )


@strawberry.input(description="A refund of part or all of a recorded purchase.")
class RefundPurchaseInput:
    order_ref: str = strawberry.field(description="The purchase's orderRef.")
    amount: Decimal = strawberry.field(
        description="Amount refunded now, in currency units; all refunds together may not "
        "exceed the purchase's amount."
    )
    reason: str | None = strawberry.field(default=None, description="Why (free text).")


@strawberry.input(description="A redemption of points.")
class RedeemPointsInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    points: int = strawberry.field(description="Points to spend, 1 to 1,000,000,000.")
    purpose: RedemptionPurpose = strawberry.field(description="What the points pay for.")
    reference: str | None = strawberry.field(
        default=None, description="Your reference, e.g. an order or gift number (200 at most)."
    )
    idempotency_key: str = strawberry.field(
        description="Repeating a key returns the first result and moves no points."
    )


@strawberry.input(description="A manual correction of a member's points.")
class AdjustPointsInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    points: int = strawberry.field(description="Signed.")
    reason: str = strawberry.field(description="Why, recorded on the entry (required).")
    idempotency_key: str = strawberry.field(
        description="1 to 128 characters, unique per member: repeating it returns the first "
        "result and moves no points."
    )
