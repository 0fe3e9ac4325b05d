"""Members: the profile, consents and lifecycle fields; other domains add theirs by mixin."""

from __future__ import annotations

from datetime import date, datetime
from operator import methodcaller
from typing import Any

import strawberry
from strawberry.scalars import JSON

from auth.masking import mask
from auth.ownership import may_read
from auth.policy import SENSITIVE_FIELDS
from core.ids import to_global_id
from models.member import Member as MemberModel
from models.member import MembershipApplication as MembershipApplicationModel
from models.member import ProfileChangeRequest as ProfileChangeRequestModel
from resolvers.members import stages_by_member_id
from schema.benefits import MemberBenefitsFields
from schema.common import Node, UserError, errors_field, model_type
from schema.communications import MemberCommunicationsFields
from schema.context import Info
from schema.enums import (
    ApplicationStatus,
    EnrollmentChannel,
    Gender,
    LifecycleStage,
    MemberStatus,
    ReviewDecision,
    TerminationReason,
)
from schema.member_filter import MemberFilter, MemberOrder
from schema.points import MemberPointsFields
from schema.staff import StaffUser
from schema.tags import MemberTagsFields
from schema.tiers import MemberTierFields
from services import crypto
from services.clock import age_band, local_date, utcnow
from shortcuts import reads, relation

__all__ = ["MemberFilter", "MemberOrder"]

# Personal fields, as applications, staff edits and change requests take them.
NAME = "Full name, 1 to 128 characters."
GENDER = "Gender as the person states it."
BIRTH_DATE = "Date of birth (not in the future, not before 1900)."
PHONE = (
    "Mobile phone: a mainland number of 11 digits (13-19...; a +86 prefix is dropped) or "
    "+country and number (E.164). Unique among live members."
)
EMAIL = "E-mail address, stored in lower case."
ADDRESS = "Postal address, free text up to 500 characters."
ID_NUMBER = (
    "Identity document number: an 18-character resident ID (check digit verified) or 5 to "
    "32 letters, digits or dashes. Stored encrypted; unique among live members."
)


@strawberry.type(
    description="What the member agreed to. MARKETING communications go out only on a channel "
    "the member consented to."
)
class Consents:
    marketing_sms: bool = strawberry.field(description="Marketing by text message.")
    marketing_email: bool = strawberry.field(description="Marketing by e-mail.")
    marketing_phone: bool = strawberry.field(description="Marketing by phone call.")
    marketing_push: bool = strawberry.field(description="Marketing by app push notification.")
    profiling: bool = strawberry.field(
        description="Use of purchase history for personalised offers and behaviour tags."
    )
    updated_at: datetime | None = strawberry.field(
        description="When the consents last changed (UTC); null if never."
    )


@model_type(
    MemberModel,
    description="A member of the loyalty programme: profile, tier, points, benefits, tags and "
    "contacts. Fields holding personal data are guarded per role (see each field).",
)
class Member(
    MemberTierFields,
    MemberPointsFields,
    MemberTagsFields,
    MemberBenefitsFields,
    MemberCommunicationsFields,
    Node,
):
    member_no: str = strawberry.field(
        description="Membership number, unique, given on approval; members may sign in with it."
    )
    status: MemberStatus = strawberry.field(description="Where the membership stands.")
    enrollment_channel: EnrollmentChannel = strawberry.field(
        description="Where the member applied."
    )
    joined_at: datetime = strawberry.field(description="When the application was approved (UTC).")
    name: str | None = strawberry.field(description="Full name; null once erased.")
    gender: Gender | None = strawberry.field(description="Gender; null when not given.")
    birth_date: date | None = strawberry.field(
        description="Date of birth; birthday double points and BIRTHDAY benefits follow it."
    )
    phone: str | None = strawberry.field(
        description="Mobile phone: 11 digits for a mainland number, else +country and number."
    )
    email: str | None = strawberry.field(description="E-mail address, in lower case.")
    address: str | None = strawberry.field(description="Postal address.")
    suspended_reason: str | None = strawberry.field(
        description="Why the member is SUSPENDED; null otherwise."
    )
    termination_reason: TerminationReason | None = strawberry.field(
        description="Why the membership ends or ended; null while it continues."
    )
    termination_effective_at: datetime | None = strawberry.field(
        description="When a TERMINATING membership ends, or a TERMINATED one ended (UTC)."
    )
    lifecycle_stage: LifecycleStage | None = relation(
        methodcaller("get", stages_by_member_id),
        "id",
        description="Where the member stands now (NEW, ACTIVE, HIGH_VALUE, AT_RISK, CHURNED).",
    )

    @strawberry.field(description="Global ID of the member.", metadata=reads("id"))
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Member", self.id))

    @strawberry.field(
        description='e.g. "18-25", "26-35", "36-45", "46+"; readable by roles that may not '
        'see birthDate. "<18" for minors; null without a birth date. Age today in the '
        "business time zone.",
        metadata=reads("birth_date"),
    )
    def age_band(self) -> str | None:
        return age_band(self.birth_date, local_date(utcnow()))

    @strawberry.field(
        description="National ID or other identity document number.",
        metadata=reads("id_number_enc"),
    )
    def id_number(self) -> str | None:
        return crypto.decrypt(self.id_number_enc)

    @strawberry.field(
        description="Marketing and profiling consents.",
        metadata=reads(
            *("marketing_sms", "marketing_email", "marketing_phone", "marketing_push"),
            *("profiling", "consents_updated_at"),
        ),
    )
    def consents(self) -> Consents | None:
        return Consents(
            marketing_sms=self.marketing_sms,
            marketing_email=self.marketing_email,
            marketing_phone=self.marketing_phone,
            marketing_push=self.marketing_push,
            profiling=self.profiling,
            updated_at=self.consents_updated_at,
        )


@model_type(
    MembershipApplicationModel,
    description="An application for membership (applyForMembership), reviewed by staff.",
)
class MembershipApplication(Node):
    status: ApplicationStatus = strawberry.field(description="Review state.")
    name: str | None = strawberry.field(description="Applicant's full name; null once erased.")
    phone: str | None = strawberry.field(description="Applicant's mobile phone.")
    email: str | None = strawberry.field(description="Applicant's e-mail address.")
    channel: EnrollmentChannel = strawberry.field(description="Where the application was made.")
    requested_tier_code: str | None = strawberry.field(description="Tier code applied for, if any.")
    submitted_at: datetime = strawberry.field(description="When it was submitted (UTC).")
    reviewed_at: datetime | None = strawberry.field(
        description="When it was reviewed (UTC); null while PENDING."
    )
    review_note: str | None = strawberry.field(description="The reviewer's note, if any.")

    @strawberry.field(description="Global ID of the application.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("MembershipApplication", self.id))

    @strawberry.field(description="Who reviewed it; null while PENDING.")
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        if self.reviewed_by_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.reviewed_by_id)

    @strawberry.field(description="The member an approval created; null otherwise.")
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
        if not may_read(context.actor, cell, owner_member_id):
            continue
        clear = crypto.decrypt(value) if key == "idNumber" else value
        if cell.masked:
            shown[key] = mask(key, clear)
            continue
        if ("Member", key) in SENSITIVE_FIELDS:
            context.audit.read_clear(f"Member.{key}", to_global_id("Member", owner_member_id))
        shown[key] = clear
    return shown


@model_type(
    ProfileChangeRequestModel,
    description="A member's request to change their profile (requestProfileChange); it "
    "takes effect when staff approve it.",
)
class ProfileChangeRequest(Node):
    status: ApplicationStatus = strawberry.field(description="Review state.")
    reason: str | None = strawberry.field(description="Why the member asks, if they said.")
    submitted_at: datetime = strawberry.field(description="When it was submitted (UTC).")
    reviewed_at: datetime | None = strawberry.field(
        description="When it was reviewed (UTC); null while PENDING."
    )
    review_note: str | None = strawberry.field(description="The reviewer's note, if any.")

    @strawberry.field(description="Global ID of the request.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("ProfileChangeRequest", self.id))

    @strawberry.field(description="The member whose profile it would change.")
    async def member(self, info: Info) -> Member:
        return await info.context.loaders.member_by_id.load(self.member_id)

    @strawberry.field(
        description="Field name -> requested value, masked for roles that may not read the field."
    )
    def changes(self, info: Info) -> JSON:
        return shown_changes(info, self.changes, self.member_id)

    @strawberry.field(description="Who reviewed it; null while PENDING.")
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        if self.reviewed_by_id is None:
            return None
        return await info.context.loaders.staff_by_id.load(self.reviewed_by_id)


@strawberry.type(description="Result of applyForMembership and reviewMembershipApplication.")
class ApplicationPayload:
    application: MembershipApplication | None = strawberry.field(
        default=None, description="The application as saved; null when refused."
    )
    activation_code: str | None = strawberry.field(
        default=None,
        description="Set once, on approval: the one-time code the new member uses to set a "
        "password (also sent to them).",
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of a mutation that changes a member.")
class MemberPayload:
    member: Member | None = strawberry.field(
        default=None, description="The member after the change; null when refused."
    )
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


@strawberry.type(description="Result of requestProfileChange and reviewProfileChange.")
class ProfileChangePayload:
    request: ProfileChangeRequest | None = strawberry.field(
        default=None, description="The request as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="Consents to set; an omitted one stays as it is (false if new).")
class ConsentsInput:
    marketing_sms: bool | None = strawberry.field(
        default=None, description="Marketing by text message."
    )
    marketing_email: bool | None = strawberry.field(
        default=None, description="Marketing by e-mail."
    )
    marketing_phone: bool | None = strawberry.field(
        default=None, description="Marketing by phone call."
    )
    marketing_push: bool | None = strawberry.field(
        default=None, description="Marketing by app push notification."
    )
    profiling: bool | None = strawberry.field(
        default=None,
        description="Use of purchase history for personalised offers and behaviour tags.",
    )

    def values(self) -> dict[str, bool | None]:
        return {
            "marketing_sms": self.marketing_sms,
            "marketing_email": self.marketing_email,
            "marketing_phone": self.marketing_phone,
            "marketing_push": self.marketing_push,
            "profiling": self.profiling,
        }


@strawberry.input(description="An application for membership.")
class ApplyForMembershipInput:
    name: str = strawberry.field(description=NAME)
    gender: Gender | None = strawberry.field(default=None, description=GENDER)
    birth_date: date | None = strawberry.field(default=None, description=BIRTH_DATE)
    phone: str = strawberry.field(description=PHONE)
    email: str | None = strawberry.field(default=None, description=EMAIL)
    address: str | None = strawberry.field(default=None, description=ADDRESS)
    id_number: str | None = strawberry.field(default=None, description=ID_NUMBER)
    channel: EnrollmentChannel = strawberry.field(description="Where the application is made.")
    requested_tier_code: str | None = strawberry.field(
        default=None,
        description="Tier applied for; granted only if its criteria are met, otherwise the "
        "entry tier.",
    )
    consents: ConsentsInput | None = strawberry.field(
        default=None, description="Consents given with the application; omitted ones are false."
    )
    referral_code: str | None = strawberry.field(
        default=None, description="Free-form referral or partner code."
    )


@strawberry.input(description="A reviewer's decision on an application or request.")
class ReviewInput:
    id: strawberry.ID = strawberry.field(description="What is reviewed (its global ID).")
    decision: ReviewDecision = strawberry.field(description="Approve or reject.")
    note: str | None = strawberry.field(
        default=None, description="Why, for the record (free text)."
    )


@strawberry.input(description="The one-time activation code and the member's first password.")
class ActivateMembershipInput:
    member_no: str = strawberry.field(description="The new member's membership number.")
    activation_code: str = strawberry.field(
        description="The one-time code given on approval; valid for 72 hours, once."
    )
    password: str = strawberry.field(description="The password to set, at least 8 characters.")


@strawberry.input(description="Whose consents to change, and to what.")
class SetConsentsInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit for the calling member."
    )
    consents: ConsentsInput = strawberry.field(description="The consents to change.")


@strawberry.input
class ProfileFields:
    """The editable personal fields both edit inputs carry (not a schema type itself)."""

    name: str | None = strawberry.field(default=None, description=NAME)
    gender: Gender | None = strawberry.field(default=None, description=GENDER)
    birth_date: date | None = strawberry.field(default=None, description=BIRTH_DATE)
    phone: str | None = strawberry.field(default=None, description=PHONE)
    email: str | None = strawberry.field(default=None, description=EMAIL)
    address: str | None = strawberry.field(default=None, description=ADDRESS)
    id_number: str | None = strawberry.field(default=None, description=ID_NUMBER)


@strawberry.input(
    description="A direct edit of a member's profile; omitted fields stay as they are, at "
    "least one must be given."
)
class UpdateMemberInput(ProfileFields):
    id: strawberry.ID = strawberry.field(description="The member to edit.")


@strawberry.input(
    description="The calling member's requested profile changes; omitted fields stay as they "
    "are, at least one must be given."
)
class RequestProfileChangeInput(ProfileFields):
    reason: str | None = strawberry.field(
        default=None, description="Why, for the reviewer (free text)."
    )


@strawberry.input(description="Whom to suspend and why.")
class SuspendMemberInput:
    id: strawberry.ID = strawberry.field(description="The member, who must be ACTIVE.")
    reason: str = strawberry.field(
        description="Why, shown as suspendedReason (free text, required)."
    )
    revoke_benefits: bool | None = strawberry.field(
        default=None,
        description="Also revoke unused benefit usages and block benefit use while suspended.",
    )


@strawberry.input(description="Whose membership ends, why and when.")
class TerminateMembershipInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit when a member withdraws themselves (reason VOLUNTARY)."
    )
    reason: TerminationReason = strawberry.field(
        description="Why; a member ending their own membership must give VOLUNTARY."
    )
    note: str | None = strawberry.field(default=None, description="Internal note (free text).")
    effective_at: datetime | None = strawberry.field(
        default=None,
        description="Default: now + the configured notice period (0 days for VOLUNTARY).",
    )
