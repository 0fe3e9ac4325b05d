"""Members, their applications and profile change requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import (
    ApplicationStatus,
    EnrollmentChannel,
    Gender,
    MemberStatus,
    TerminationReason,
)

if TYPE_CHECKING:
    from models.staff import StaffUser
    from models.tier import Tier


class Member(Model):
    id = fields.IntField(primary_key=True)
    member_no = fields.CharField(max_length=32, unique=True)
    status = fields.CharEnumField(MemberStatus, max_length=16, default=MemberStatus.ACTIVE)
    enrollment_channel = fields.CharEnumField(EnrollmentChannel, max_length=24)
    joined_at = fields.DatetimeField(db_index=True)
    name = fields.CharField(max_length=128, null=True)
    gender = fields.CharEnumField(Gender, max_length=16, null=True)
    birth_date = fields.DateField(null=True)
    phone = fields.CharField(max_length=32, null=True, db_index=True)
    email = fields.CharField(max_length=254, null=True, db_index=True)
    address = fields.TextField(null=True)
    # AES-GCM ciphertext and keyed hash: the clear idNumber is never stored.
    id_number_enc = fields.TextField(null=True)
    id_number_hash = fields.CharField(max_length=64, null=True, db_index=True)
    marketing_sms = fields.BooleanField(default=False)
    marketing_email = fields.BooleanField(default=False)
    marketing_phone = fields.BooleanField(default=False)
    marketing_push = fields.BooleanField(default=False)
    profiling = fields.BooleanField(default=False)
    consents_updated_at = fields.DatetimeField(null=True)
    tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name="members", on_delete=fields.RESTRICT
    )
    tier_id: int
    points_balance = fields.IntField(default=0)
    lifetime_spend = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    last_purchase_at = fields.DatetimeField(null=True)
    # When every rule tag was last computed for this member alone (after a purchase).
    tags_refreshed_at = fields.DatetimeField(null=True)
    # When the member last confirmed their profile unchanged or it last changed; null for
    # one who never did (the profile reminder counts from joined_at then).
    profile_confirmed_at = fields.DatetimeField(null=True)
    password_hash = fields.CharField(max_length=256, null=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    activation_code_hash = fields.CharField(max_length=64, null=True)
    activation_expires_at = fields.DatetimeField(null=True)
    suspended_reason = fields.TextField(null=True)
    termination_reason = fields.CharEnumField(TerminationReason, max_length=24, null=True)
    termination_note = fields.TextField(null=True)
    termination_effective_at = fields.DatetimeField(null=True)
    terminated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member"
        # Member lists (DESIGN §6) page by status in joinedAt order, or by balance: in index
        # order a page reads its rows without sorting every member first.
        indexes = (
            ("status", "termination_effective_at"),
            ("tier_id", "status"),
            ("status", "joined_at", "id"),
            ("points_balance", "id"),
            ("tier_id", "joined_at", "id"),
        )

    @property
    def owner_member_id(self) -> int:
        return self.id


class MembershipApplication(Model):
    id = fields.IntField(primary_key=True)
    status = fields.CharEnumField(
        ApplicationStatus, max_length=16, default=ApplicationStatus.PENDING
    )
    name = fields.CharField(max_length=128, null=True)
    gender = fields.CharEnumField(Gender, max_length=16, null=True)
    birth_date = fields.DateField(null=True)
    phone = fields.CharField(max_length=32, null=True)
    email = fields.CharField(max_length=254, null=True)
    address = fields.TextField(null=True)
    id_number_enc = fields.TextField(null=True)
    id_number_hash = fields.CharField(max_length=64, null=True)
    channel = fields.CharEnumField(EnrollmentChannel, max_length=24)
    requested_tier_code = fields.CharField(max_length=32, null=True)
    consents: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    referral_code = fields.CharField(max_length=64, null=True)
    client_ip = fields.CharField(max_length=64, null=True, db_index=True)
    submitted_at = fields.DatetimeField(db_index=True)
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reviewed_by_id: int | None
    review_note = fields.TextField(null=True)
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    member_id: int | None

    class Meta:
        table = "membership_application"
        # Erasure finds a member's applications by member and by the same person's phone
        # or id number: each a scan of every application without these (issue 28).
        indexes = (("status", "submitted_at"), ("member_id",), ("phone",), ("id_number_hash",))

    @property
    def owner_member_id(self) -> int | None:
        return self.member_id


class ProfileChangeRequest(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="profile_change_requests", on_delete=fields.RESTRICT
    )
    member_id: int
    status = fields.CharEnumField(
        ApplicationStatus, max_length=16, default=ApplicationStatus.PENDING
    )
    # Requested values; an idNumber in it is stored encrypted like Member.id_number_enc.
    changes: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    reason = fields.TextField(null=True)
    submitted_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reviewed_by_id: int | None
    review_note = fields.TextField(null=True)

    class Meta:
        table = "profile_change_request"
        indexes = (("status", "submitted_at"),)

    @property
    def owner_member_id(self) -> int:
        return self.member_id


class RateLimitHit(Model):
    """One counted attempt of a rate-limited action, shared by every server process."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128)
    at = fields.DatetimeField()

    class Meta:
        table = "rate_limit_hit"
        indexes = (("key", "at"),)


class PendingScrub(Model):
    """A termination whose erased values may still be on disk, until a scrub completes.

    In SQLite's write-ahead log while another connection's read snapshot keeps a checkpoint
    from emptying it; in PostgreSQL's dead row versions until VACUUM has run. Written in
    the erasure's own transaction, so a crash or restart finds it; deleted once scrubbed."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    erased_at = fields.DatetimeField()

    class Meta:
        table = "pending_scrub"


# Ordering by lifetimeSpend: SQLite keeps DECIMAL as text, so Tortoise orders by
# CAST(... AS NUMERIC) there, which only an index on that expression serves.
SPEND_INDEX = "member_lifetime_spend"
_SPEND_INDEX_SQL = {
    "sqlite": f"CREATE INDEX IF NOT EXISTS {SPEND_INDEX}"
    ' ON member (CAST("lifetime_spend" AS NUMERIC), id)',
    "postgres": f'CREATE INDEX IF NOT EXISTS {SPEND_INDEX} ON member ("lifetime_spend", id)',
}


async def install_spend_index(conn: Any) -> None:
    """Create the index that orders members by lifetimeSpend (idempotent)."""
    await conn.execute_script(_SPEND_INDEX_SQL[conn.capabilities.dialect])
