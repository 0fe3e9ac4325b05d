"""Purchases and the append-only points ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import PointsEntryKind, RedemptionPurpose

if TYPE_CHECKING:
    from models.campaign import Campaign
    from models.member import Member
    from models.staff import StaffUser


class Purchase(Model):
    id = fields.IntField(primary_key=True)
    order_ref = fields.CharField(max_length=128, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="purchases", on_delete=fields.RESTRICT
    )
    member_id: int
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    channel = fields.CharField(max_length=64, null=True)
    occurred_at = fields.DatetimeField()
    points_earned = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None

    class Meta:
        table = "purchase"
        indexes = (("member_id", "occurred_at"),)

    @property
    def owner_member_id(self) -> int:
        return self.member_id


class PointsEntry(Model):
    """One ledger line. Never updated or deleted: corrections are new entries.

    Erasure clears the reason, the entry's free text; nothing else changes (the guards
    below)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="points_entries", on_delete=fields.RESTRICT
    )
    member_id: int
    kind = fields.CharEnumField(PointsEntryKind, max_length=16)
    points = fields.IntField()
    balance_after = fields.IntField()
    reason = fields.TextField(null=True)
    # REDEEM only: a replayed redemption answers with the first one's cash value.
    purpose = fields.CharEnumField(RedemptionPurpose, max_length=16, null=True)
    expires_at = fields.DatetimeField(null=True)
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    purchase_id: int | None
    # A campaign's own EARN (and its REVERSALs) beside the purchase's (DESIGN §9).
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    idempotency_key = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None

    class Meta:
        table = "points_entry"
        unique_together = (("member_id", "idempotency_key"),)
        indexes = (
            ("member_id", "id"),
            ("member_id", "kind", "id"),
            ("kind", "created_at"),
            ("purchase_id", "kind"),
        )

    @property
    def owner_member_id(self) -> int:
        return self.member_id


# The ledger is append-only and never negative in the database itself, not only by
# convention (DESIGN §2): whatever code writes, these triggers refuse it. One UPDATE is
# let through: clearing the reason of a terminated member's entry, the free text erasure
# removes (staff's adjustPoints reason, a refund's note, a redemption's reference) while
# the points, balances and keys stay. Every column but reason must be unchanged: SQLite
# cannot compare whole rows, so they are listed (a test keeps the list equal to the
# model's columns; a migration adding a column reinstalls the guards).
LEDGER_FACTS = (
    "id",
    "member_id",
    "kind",
    "points",
    "balance_after",
    "purpose",
    "expires_at",
    "purchase_id",
    "campaign_id",
    "idempotency_key",
    "created_at",
    "created_by_id",
)
_TERMINATED = "(SELECT status FROM member WHERE id = OLD.member_id) = 'TERMINATED'"
_ONLY_REASON_CLEARED = " AND ".join(
    [
        "NEW.reason IS NULL",
        _TERMINATED,
        *(f'NEW."{column}" IS OLD."{column}"' for column in LEDGER_FACTS),
    ]
)
_SQLITE_GUARDS = [
    # Replaced, not kept: the refuse-every-UPDATE trigger of migration 0002 had this name.
    "DROP TRIGGER IF EXISTS points_entry_no_update",
    f"""CREATE TRIGGER points_entry_no_update BEFORE UPDATE ON points_entry
    WHEN NOT ({_ONLY_REASON_CLEARED})
    BEGIN SELECT RAISE(ABORT, 'points_entry is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS points_entry_no_delete BEFORE DELETE ON points_entry
    BEGIN SELECT RAISE(ABORT, 'points_entry is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS points_entry_not_negative BEFORE INSERT ON points_entry
    WHEN NEW.balance_after < 0
    BEGIN SELECT RAISE(ABORT, 'points_entry balance cannot go below zero'); END""",
]
_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION points_entry_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.reason IS NULL
            AND to_jsonb(NEW) - 'reason' = to_jsonb(OLD) - 'reason'
            AND (SELECT status FROM member WHERE id = OLD.member_id) = 'TERMINATED' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'points_entry is append-only';
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS points_entry_no_change ON points_entry",
    """CREATE TRIGGER points_entry_no_change BEFORE UPDATE OR DELETE ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_append_only()""",
    """CREATE OR REPLACE FUNCTION points_entry_not_negative() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'points_entry balance cannot go below zero'; END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS points_entry_not_negative ON points_entry",
    """CREATE TRIGGER points_entry_not_negative BEFORE INSERT ON points_entry
    FOR EACH ROW WHEN (NEW.balance_after < 0) EXECUTE FUNCTION points_entry_not_negative()""",
]
GUARD_TRIGGERS = {
    "sqlite": {"points_entry_no_update", "points_entry_no_delete", "points_entry_not_negative"},
    "postgres": {"points_entry_no_change", "points_entry_not_negative"},
}
_TRIGGER_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'points_entry'",
    "postgres": "SELECT tgname AS name FROM pg_trigger "
    "WHERE tgrelid = 'points_entry'::regclass AND NOT tgisinternal",
}


async def installed_guards(conn: Any) -> set[str]:
    """Names of the triggers on points_entry, to check that the guards are in place."""
    rows = await conn.execute_query_dict(_TRIGGER_NAMES[conn.capabilities.dialect])
    return {row["name"] for row in rows}


async def install_guards(conn: Any) -> None:
    """Install the triggers that refuse DELETE of ledger rows, every UPDATE but clearing
    a reason, and rows whose balance would be negative (idempotent)."""
    statements = _SQLITE_GUARDS if conn.capabilities.dialect == "sqlite" else _POSTGRES_GUARDS
    for statement in statements:
        await conn.execute_script(statement)
