"""Purchases and the append-only points ledger."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import PointsEntryKind


class Purchase(Model):
    id = fields.IntField(primary_key=True)
    order_ref = fields.CharField(max_length=128, unique=True)
    member = fields.ForeignKeyField(
        "models.Member", related_name="purchases", on_delete=fields.RESTRICT
    )
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    channel = fields.CharField(max_length=64, null=True)
    occurred_at = fields.DatetimeField()
    points_earned = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    created_by = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "purchase"
        indexes = (("member_id", "occurred_at"),)

    @property
    def owner_member_id(self) -> int:
        return self.member_id  # type: ignore[attr-defined,no-any-return]


class PointsEntry(Model):
    """One ledger line. Never updated or deleted: corrections are new entries."""

    id = fields.IntField(primary_key=True)
    member = fields.ForeignKeyField(
        "models.Member", related_name="points_entries", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(PointsEntryKind, max_length=16)
    points = fields.IntField()
    balance_after = fields.IntField()
    reason = fields.TextField(null=True)
    expires_at = fields.DatetimeField(null=True)
    purchase = fields.ForeignKeyField(
        "models.Purchase", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    idempotency_key = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()
    created_by = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "points_entry"
        unique_together = (("member_id", "idempotency_key"),)
        indexes = (("member_id", "id"), ("member_id", "kind", "id"), ("kind", "created_at"))

    @property
    def owner_member_id(self) -> int:
        return self.member_id  # type: ignore[attr-defined,no-any-return]


# The ledger is append-only in the database itself, not only by convention (DESIGN §2).
_SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS points_entry_no_update BEFORE UPDATE ON points_entry
    BEGIN SELECT RAISE(ABORT, 'points_entry is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS points_entry_no_delete BEFORE DELETE ON points_entry
    BEGIN SELECT RAISE(ABORT, 'points_entry is append-only'); END""",
]
_POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION points_entry_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'points_entry is append-only'; END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS points_entry_no_change ON points_entry",
    """CREATE TRIGGER points_entry_no_change BEFORE UPDATE OR DELETE ON points_entry
    FOR EACH ROW EXECUTE FUNCTION points_entry_append_only()""",
]


async def install_guards(conn: Any) -> None:
    """Install the triggers that refuse UPDATE and DELETE of ledger rows (idempotent)."""
    statements = _SQLITE_GUARDS if conn.capabilities.dialect == "sqlite" else _POSTGRES_GUARDS
    for statement in statements:
        await conn.execute_script(statement)
