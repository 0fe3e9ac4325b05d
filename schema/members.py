"""Members: the profile, consents and lifecycle fields; other domains add theirs by mixin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from auth.masking import mask
from auth.policy import SENSITIVE_FIELDS
from models.member import Member as MemberModel
from models.member import MembershipApplication as MembershipApplicationModel
from models.member import ProfileChangeRequest as ProfileChangeRequestModel
from schema.benefits import MemberBenefitsFields
from schema.columns import reads
from schema.common import Node, UserError, errors_field, model_type
from schema.communications import MemberCommunicationsFields
from schema.context import Info
from schema.enums import (
    ApplicationStatus,
    EnrollmentChannel,
    Gender,
    MemberStatus,
    ReviewDecision,
    TerminationReason,
)
from schema.ids import to_global_id
from schema.member_filter import MemberFilter, MemberOrder
from schema.points import MemberPointsFields
from schema.staff import StaffUser
from schema.tags import MemberTagsFields
from schema.tiers import MemberTierFields
from services import crypto
from services.clock import age_band, local_date, utcnow

__all__ = ["MemberFilter", "MemberOrder"]


@strawberry.type
class Consents:
    marketing_sms: bool
    marketing_email: bool
    marketing_phone: bool
    marketing_push: bool
    profiling: bool = strawberry.field(
        description="Use of purchase history for personalised offers and behaviour tags."
    )
    updated_at: datetime | None


@model_type(MemberModel)
class Member(
    MemberTierFields,
    MemberPointsFields,
    MemberTagsFields,
    MemberBenefitsFields,
    MemberCommunicationsFields,
    Node,
):
    member_no: str
    status: MemberStatus
    enrollment_channel: EnrollmentChannel
    joined_at: datetime
    name: str | None
    gender: Gender | None
    birth_date: date | None
    phone: str | None
    email: str | None
    address: str | None
    suspended_reason: str | None
    termination_reason: TerminationReason | None
    termination_effective_at: datetime | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Member", self.id))

    @strawberry.field(
        description='e.g. "18-25", "26-35", "36-45", "46+"; readable by roles that may not '
        "see birthDate."
    )
    def age_band(self) -> str | None:
        return age_band(self.birth_date, local_date(utcnow()))

    @strawberry.field(description="National ID or other identity document number.")
    def id_number(self) -> str | None:
        return crypto.decrypt(self.id_number_enc)

    @strawberry.field
    def consents(self) -> Consents | None:
        return Consents(
            marketing_sms=self.marketing_sms,
            marketing_email=self.marketing_email,
            marketing_phone=self.marketing_phone,
            marketing_push=self.marketing_push,
            profiling=self.profiling,
            updated_at=self.consents_updated_at,
        )


reads("Member", "id", "id")
reads("Member", "ageBand", "birth_date")
reads("Member", "idNumber", "id_number_enc")
reads(
    "Member",
    "consents",
    *("marketing_sms", "marketing_email", "marketing_phone", "marketing_push"),
    *("profiling", "consents_updated_at"),
)


@model_type(MembershipApplicationModel)
class MembershipApplication(Node):
    status: ApplicationStatus
    name: str | None
    phone: str | None
    email: str | None
    channel: EnrollmentChannel
    requested_tier_code: str | None
    submitted_at: datetime
    reviewed_at: datetime | None
    review_note: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("MembershipApplication", self.id))

    @strawberry.field
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        if self.reviewed_by_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.reviewed_by_id)

    @strawberry.field
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        return await info.context.loaders.member_by_id.load(self.member_id)


def shown_changes(info: Info, changes: dict[str, Any], owner_member_id: int) -> dict[str, Any]:
    """Requested values as the reader's Member.<field> cells allow: clear, masked or left out."""
    context = info.context
    shown: dict[str, Any] = {}
    for key, value in changes.items():
        cell = context.cell(("Member", key))
        if not cell.allowed or (cell.kind == "self" and owner_member_id != context.actor.member_id):
            continue
        clear = crypto.decrypt(value) if key == "idNumber" else value
        if cell.masked:
            shown[key] = mask(key, clear)
            continue
        if ("Member", key) in SENSITIVE_FIELDS:
            context.audit.read_clear(f"Member.{key}", to_global_id("Member", owner_member_id))
        shown[key] = clear
    return shown


@model_type(ProfileChangeRequestModel)
class ProfileChangeRequest(Node):
    status: ApplicationStatus
    reason: str | None
    submitted_at: datetime
    reviewed_at: datetime | None
    review_note: str | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("ProfileChangeRequest", self.id))

    @strawberry.field
    async def member(self, info: Info) -> Member:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field(
        description="Field name -> requested value, masked for roles that may not read the field."
    )
    def changes(self, info: Info) -> JSON:
        return shown_changes(info, self.changes, self.member_id)

    @strawberry.field
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        if self.reviewed_by_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.reviewed_by_id)


@strawberry.type
class ApplicationPayload:
    application: MembershipApplication | None = None
    activation_code: str | None = strawberry.field(
        default=None,
        description="Set once, on approval: the one-time code the new member uses to set a "
        "password (also sent to them).",
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError] = errors_field()
    erasure_pending: bool | None = strawberry.field(
        default=None,
        description=(
            "terminateMembership only, when the termination took effect (null otherwise): "
            "true while the erased values may still be in the database files. They are "
            "scrubbed once this answer's changes are committed, and retried while another "
            "connection's read snapshot blocks it; /metrics memberhub_erasures_pending and "
            "runTerminations' erasuresPending tell when none are left."
        ),
    )


@strawberry.type
class ProfileChangePayload:
    request: ProfileChangeRequest | None = None
    errors: list[UserError] = errors_field()


@strawberry.input
class ConsentsInput:
    marketing_sms: bool | None = None
    marketing_email: bool | None = None
    marketing_phone: bool | None = None
    marketing_push: bool | None = None
    profiling: bool | None = None

    def values(self) -> dict[str, bool | None]:
        return {
            "marketing_sms": self.marketing_sms,
            "marketing_email": self.marketing_email,
            "marketing_phone": self.marketing_phone,
            "marketing_push": self.marketing_push,
            "profiling": self.profiling,
        }


@strawberry.input
class ApplyForMembershipInput:
    name: str
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str
    email: str | None = None
    address: str | None = None
    id_number: str | None = None
    channel: EnrollmentChannel
    requested_tier_code: str | None = strawberry.field(
        default=None,
        description="Tier applied for; granted only if its criteria are met, otherwise the "
        "entry tier.",
    )
    consents: ConsentsInput | None = None
    referral_code: str | None = strawberry.field(
        default=None, description="Free-form referral or partner code."
    )


@strawberry.input
class ReviewInput:
    id: strawberry.ID
    decision: ReviewDecision
    note: str | None = None


@strawberry.input
class ActivateMembershipInput:
    member_no: str
    activation_code: str
    password: str


@strawberry.input
class SetConsentsInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    consents: ConsentsInput


@strawberry.input
class ProfileFields:
    """The editable personal fields both edit inputs carry (not a schema type itself)."""

    name: str | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    id_number: str | None = None


@strawberry.input
class UpdateMemberInput(ProfileFields):
    id: strawberry.ID


@strawberry.input
class RequestProfileChangeInput(ProfileFields):
    reason: str | None = None


@strawberry.input
class SuspendMemberInput:
    id: strawberry.ID
    reason: str
    revoke_benefits: bool | None = strawberry.field(
        default=None,
        description="Also revoke unused benefit usages and block benefit use while suspended.",
    )


@strawberry.input
class TerminateMembershipInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit when a member withdraws themselves (reason VOLUNTARY)."
    )
    reason: TerminationReason
    note: str | None = None
    effective_at: datetime | None = strawberry.field(
        default=None,
        description="Default: now + the configured notice period (0 days for VOLUNTARY).",
    )
