"""Enrollment (DESIGN §2 Members): apply, review, activate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.settings import get_settings
from models.enums import (
    ApplicationStatus,
    EnrollmentChannel,
    MemberStatus,
    ReviewDecision,
    TierChangeReason,
)
from models.member import Member, MembershipApplication
from models.tier import Tier, TierChange
from services import benefits, communications, crypto, throttle
from services.clock import local_date
from services.db import retry_busy, transaction
from services.errors import Invalid, InvalidState, NotFound
from services.members.profile import (
    CONSENT_FIELDS,
    Profile,
    clean_profile,
    columns,
    ensure_unique,
)
from services.passwords import check_new_password, hash_password
from services.sessions import NewSession, open_session
from services.throttle import Limit
from services.validation import clean_text
from services.webhooks import emit

RATE_WINDOW = timedelta(hours=1)
APPLY_SCOPE = "apply"
ACTIVATION_VALIDITY = timedelta(hours=72)
ACTIVATION_REFUSED = "Unknown member number, or the activation code is wrong, used or expired."


@dataclass(frozen=True)
class Review:
    application: MembershipApplication
    activation_code: str | None = None


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def member_no_of(member_id: int) -> str:
    return f"M{member_id:08d}"


async def _count_attempt(client: str | None, now: datetime) -> None:
    limit = Limit(
        APPLY_SCOPE, throttle.network_of(client), get_settings().apply_rate_limit, RATE_WINDOW
    )
    await throttle.count_attempt([limit], now, "Too many applications from this address")


async def apply_for_membership(
    profile: Profile,
    channel: EnrollmentChannel,
    now: datetime,
    *,
    client: str | None,
    staff_id: int | None = None,
    requested_tier_code: str | None = None,
    consents: dict[str, bool | None] | None = None,
    referral_code: str | None = None,
) -> MembershipApplication:
    """Record a PENDING application. Anonymous (and member) callers may file at most
    `apply_rate_limit` per client address and hour; signed-in staff (`staff_id`), who
    enroll customer after customer from one store or call-centre address, are not
    counted. Raises RateLimited, Invalid, Duplicate, NotFound."""
    if staff_id is None:
        await _count_attempt(client, now)
    return await _record_application(
        profile,
        channel,
        now,
        client=client,
        requested_tier_code=requested_tier_code,
        consents=consents,
        referral_code=referral_code,
    )


async def enroll(
    profile: Profile,
    channel: EnrollmentChannel,
    now: datetime,
    *,
    staff_id: int | None = None,
    consents: dict[str, bool | None] | None = None,
) -> Review:
    """Staff-assisted enrollment (at a store counter, or demo data): the application is
    recorded and approved at once, so the anonymous rate limit does not apply.
    Raises Invalid, Duplicate."""
    application = await _record_application(profile, channel, now, client=None, consents=consents)
    return await review_application(application.id, ReviewDecision.APPROVE, None, staff_id, now)


async def _record_application(
    profile: Profile,
    channel: EnrollmentChannel,
    now: datetime,
    *,
    client: str | None,
    requested_tier_code: str | None = None,
    consents: dict[str, bool | None] | None = None,
    referral_code: str | None = None,
) -> MembershipApplication:
    for attr, graphql_name in (("name", "name"), ("phone", "phone")):
        if getattr(profile, attr) is None:
            raise Invalid(f"An application needs a {graphql_name}.", ("input", graphql_name))
    clean = clean_profile(profile, local_date(now))
    if requested_tier_code is not None and not await Tier.exists(code=requested_tier_code):
        raise NotFound("No tier has that code.", ("input", "requestedTierCode"))
    await ensure_unique(clean.phone, crypto.lookup_hash(clean.id_number))
    referral = clean_text(referral_code, ("input", "referralCode"), line=True)
    async with transaction():
        return await MembershipApplication.create(
            **columns(clean),
            channel=channel,
            requested_tier_code=requested_tier_code,
            consents={
                key: bool(value) for key, value in (consents or {}).items() if value is not None
            },
            referral_code=referral,
            client_ip=client,
            submitted_at=now,
        )


async def _claim(
    application_id: int,
    status: ApplicationStatus,
    staff_id: int | None,
    note: str | None,
    now: datetime,
) -> MembershipApplication:
    # The guarded UPDATE is the first statement: two reviewers cannot both win.
    claimed = await MembershipApplication.filter(
        id=application_id, status=ApplicationStatus.PENDING
    ).update(status=status, reviewed_at=now, reviewed_by_id=staff_id, review_note=note)
    application = await MembershipApplication.get_or_none(id=application_id)
    if application is None:
        raise NotFound("No such application.", ("input", "id"))
    if not claimed:
        raise InvalidState("This application has already been reviewed.", ("input", "id"))
    return application


async def enrollment_tier(requested_code: str | None) -> Tier:
    """The requested tier if a new member (no purchases) meets it, else the entry tier."""
    if requested_code is not None:
        requested = await Tier.get_or_none(code=requested_code, min_spend=0, min_orders=0)
        if requested is not None:
            return requested
    entry = await Tier.filter(rank=0).first()
    if entry is None:
        raise InvalidState("No entry tier (rank 0) is configured.", ("input", "id"))
    return entry


def new_member_fields(source: MembershipApplication, tier: Tier, now: datetime) -> dict[str, Any]:
    consents = source.consents or {}
    return {
        "status": MemberStatus.ACTIVE,
        "enrollment_channel": source.channel,
        "joined_at": now,
        "name": source.name,
        "gender": source.gender,
        "birth_date": source.birth_date,
        "phone": source.phone,
        "email": source.email,
        "address": source.address,
        "id_number_enc": source.id_number_enc,
        "id_number_hash": source.id_number_hash,
        "tier": tier,
        **{key: bool(consents.get(key, False)) for key in CONSENT_FIELDS},
        "consents_updated_at": now if consents else None,
    }


async def _approve(
    application: MembershipApplication, staff_id: int | None, now: datetime
) -> tuple[Member, str]:
    await ensure_unique(
        application.phone, application.id_number_hash, path=("input", "id"), field_paths=False
    )
    tier = await enrollment_tier(application.requested_tier_code)
    code = secrets.token_urlsafe(12)
    member = await Member.create(
        member_no=f"tmp-{secrets.token_hex(8)}",
        activation_code_hash=code_hash(code),
        activation_expires_at=now + ACTIVATION_VALIDITY,
        **new_member_fields(application, tier, now),
    )
    member.member_no = member_no_of(member.id)
    await Member.filter(id=member.id).update(member_no=member.member_no)
    await TierChange.create(
        member_id=member.id,
        from_tier=None,
        to_tier=tier,
        reason=TierChangeReason.ENROLLMENT,
        at=now,
        created_by_id=staff_id,
    )
    await MembershipApplication.filter(id=application.id).update(member_id=member.id)
    await emit(None, "member.enrolled", member.id, {"tierCode": tier.code}, now)
    await communications.notify(
        member.id, "Welcome to memberhub", await _welcome(member, tier, now), now
    )
    return member, code


async def _welcome(member: Member, tier: Tier, now: datetime) -> str:
    """The welcome message: the member number, the tier the member was placed in and what
    that tier's benefits active now are (DESIGN §8 "Notices")."""
    (held,) = await benefits.benefits_of_tiers([tier.id], now)
    offered = (
        f"As a {tier.name} member you enjoy: {'; '.join(benefit.name for benefit in held)}."
        if held
        else f"You are a {tier.name} member."
    )
    return (
        f"Welcome! Your member number is {member.member_no}. {offered} Activate your "
        "membership with the activation code you received to set your password."
    )


async def review_application(
    application_id: int,
    decision: ReviewDecision,
    note: str | None,
    staff_id: int | None,
    now: datetime,
) -> Review:
    """Approve (creates the ACTIVE member, its ENROLLMENT tier change, a welcome notice and a
    one-time activation code) or reject an application. Raises NotFound, InvalidState,
    Duplicate (DESIGN §2)."""
    note = clean_text(note, ("input", "note"))
    status = (
        ApplicationStatus.APPROVED
        if decision is ReviewDecision.APPROVE
        else ApplicationStatus.REJECTED
    )

    async def run() -> Review:
        async with transaction():
            application = await _claim(application_id, status, staff_id, note, now)
            if status is ApplicationStatus.REJECTED:
                return Review(application)
            member, code = await _approve(application, staff_id, now)
            application.member_id = member.id
            return Review(application, code)

    return await retry_busy(run)


async def activate_membership(
    member_no: str, activation_code: str, password: str, now: datetime
) -> NewSession:
    """Set the first password with the one-time code and sign in. Raises Invalid,
    RateLimited (too many passwords being hashed)."""
    check_new_password(password, ("input", "password"))
    member = await Member.get_or_none(
        member_no=member_no, status__in=(MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
    )
    stored = member.activation_code_hash if member else None
    if (
        member is None
        or stored is None
        or not hmac.compare_digest(stored, code_hash(activation_code))
    ):
        raise Invalid(ACTIVATION_REFUSED, ("input", "activationCode"))
    # Hashed only once the code matched: a guessed code costs a SHA-256, not an argon2 hash.
    password_hash = await hash_password(password)
    # One guarded UPDATE consumes the code: a used or expired one matches nothing, and of
    # two concurrent activations only one wins.
    async with transaction():
        used = await Member.filter(
            id=member.id, activation_code_hash=stored, activation_expires_at__gt=now
        ).update(
            password_hash=password_hash,
            activation_code_hash=None,
            activation_expires_at=None,
            failed_logins=0,
            locked_until=None,
        )
        if not used:
            raise Invalid(ACTIVATION_REFUSED, ("input", "activationCode"))
        return await open_session(now, member_id=member.id)
