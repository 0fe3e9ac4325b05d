"""Root fields of members: members and the review queues, enrollment, profile, lifecycle."""

from __future__ import annotations

from typing import Annotated

import strawberry

from auth import authentication
from core.ids import to_global_id
from models.enums import MemberOrderField, OrderDirection
from models.member import Member as MemberModel
from resolvers.ids import decode_id
from resolvers.members import check_member_access, check_order, member_node, searchable_fields
from schema.context import Info
from schema.enums import ApplicationStatus
from schema.jobs import AsOf, JobReport
from schema.members import (
    ActivateMembershipInput,
    ApplicationPayload,
    ApplyForMembershipInput,
    Member,
    MemberFilter,
    MemberOrder,
    MemberPayload,
    MembershipApplication,
    ProfileChangePayload,
    ProfileChangeRequest,
    RequestProfileChangeInput,
    ReviewInput,
    SetConsentsInput,
    SuspendMemberInput,
    TerminateMembershipInput,
    UpdateMemberInput,
)
from schema.pagination import After, Connection, First, paginate
from schema.staff import LoginPayload
from schema.staff_root import session_payload
from schema.user_errors import mutation, user_errors
from services import members as service
from services.clock import utcnow
from services.errors import Duplicate, Invalid, InvalidState, NotFound, RateLimited
from shortcuts import prefetch_selected

# ---------------------------------------------------------------- reading


async def me(info: Info) -> Member | None:
    member_id = info.context.actor.member_id
    return await info.context.loaders.member_by_id.load(member_id) if member_id else None  # type: ignore[return-value]


async def member(
    info: Info,
    id: Annotated[
        strawberry.ID | None, strawberry.argument(description="The member's global ID.")
    ] = None,
    member_no: Annotated[
        str | None,
        strawberry.argument(description="The membership number, when no id is given."),
    ] = None,
) -> Member | None:
    if id is not None:
        found = await member_node(info.context, decode_id(id, "Member", ("id",)))
    elif member_no is not None:
        found = await MemberModel.get_or_none(member_no=member_no)
        check_member_access(info.context, found)
    else:
        return None
    if found is not None:
        await prefetch_selected(info, [found])
    return found  # type: ignore[return-value]


async def members(
    info: Info,
    first: First = None,
    after: After = None,
    filter: Annotated[
        MemberFilter | None, strawberry.argument(description="Which members; default all.")
    ] = None,
    order_by: Annotated[
        MemberOrder | None,
        strawberry.argument(description="Sort order; default oldest member first (JOINED_AT ASC)."),
    ] = None,
) -> Connection[Member]:
    order = order_by or MemberOrder(field=MemberOrderField.JOINED_AT, direction=OrderDirection.ASC)
    check_order(info.context, order.field)
    query = filter.to_query() if filter else None
    now = utcnow()
    searchable = searchable_fields(info.context)
    rows = await service.filter_members(query, now, searchable)
    page = service.order_members(rows, order.field, order.direction)
    found = await paginate(
        page, first, after, info, lambda: service.count_members(query, rows, searchable)
    )
    if info.context.actor.is_staff:
        await service.count_tag_search(query, now)
    return found


async def membership_applications(
    info: Info,
    status: Annotated[
        ApplicationStatus | None, strawberry.argument(description="Only these; default all.")
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[MembershipApplication]:
    return await paginate(service.applications(status), first, after)


async def profile_change_requests(
    info: Info,
    status: Annotated[
        ApplicationStatus | None, strawberry.argument(description="Only these; default all.")
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[ProfileChangeRequest]:
    return await paginate(service.change_requests(status), first, after)


# ---------------------------------------------------------------- enrollment


def _profile(input: object) -> service.Profile:
    return service.Profile(
        name=getattr(input, "name", None),
        gender=getattr(input, "gender", None),
        birth_date=getattr(input, "birth_date", None),
        phone=getattr(input, "phone", None),
        email=getattr(input, "email", None),
        address=getattr(input, "address", None),
        id_number=getattr(input, "id_number", None),
    )


@user_errors(ApplicationPayload)
async def apply_for_membership(
    info: Info,
    input: Annotated[ApplyForMembershipInput, strawberry.argument(description="The application.")],
) -> ApplicationPayload:
    application = await service.apply_for_membership(
        _profile(input),
        input.channel,
        utcnow(),
        client=info.context.ip,
        staff_id=info.context.actor.staff_id,
        requested_tier_code=input.requested_tier_code,
        consents=input.consents.values() if input.consents else None,
        referral_code=input.referral_code,
    )
    info.context.audit.target(to_global_id("MembershipApplication", application.id))
    return ApplicationPayload(application=application)  # type: ignore[arg-type]


@user_errors(ApplicationPayload)
async def review_membership_application(
    info: Info,
    input: Annotated[
        ReviewInput, strawberry.argument(description="The application and the decision.")
    ],
) -> ApplicationPayload:
    application_id = decode_id(input.id, "MembershipApplication")
    info.context.audit.target(input.id)
    review = await service.review_application(
        application_id, input.decision, input.note, info.context.actor.staff_id, utcnow()
    )
    new_member_id = review.application.owner_member_id
    if new_member_id is not None:
        info.context.audit.target_member(new_member_id)
    return ApplicationPayload(
        application=review.application,  # type: ignore[arg-type]
        activation_code=review.activation_code,
    )


@user_errors(LoginPayload)
async def activate_membership(
    info: Info,
    input: Annotated[
        ActivateMembershipInput,
        strawberry.argument(description="Member number, code and password."),
    ],
) -> LoginPayload:
    opened = await service.activate_membership(
        input.member_no, input.activation_code, input.password, utcnow()
    )
    return await session_payload(info, await authentication.signed_in(opened))


# ---------------------------------------------------------------- profile


@user_errors(MemberPayload)
async def update_member(
    info: Info,
    input: Annotated[
        UpdateMemberInput, strawberry.argument(description="The member and the new values.")
    ],
) -> MemberPayload:
    member_id = decode_id(input.id, "Member")
    info.context.audit.target(input.id)
    updated = await service.update_member(member_id, _profile(input), utcnow())
    return MemberPayload(member=updated)  # type: ignore[arg-type]


@user_errors(ProfileChangePayload)
async def request_profile_change(
    info: Info,
    input: Annotated[
        RequestProfileChangeInput, strawberry.argument(description="The requested values.")
    ],
) -> ProfileChangePayload:
    member_id = info.context.scope_member(None, ("input",))
    request = await service.request_profile_change(
        member_id, _profile(input), input.reason, utcnow()
    )
    info.context.audit.target(to_global_id("ProfileChangeRequest", request.id))
    return ProfileChangePayload(request=request)  # type: ignore[arg-type]


@user_errors(ProfileChangePayload)
async def review_profile_change(
    info: Info,
    input: Annotated[ReviewInput, strawberry.argument(description="The request and the decision.")],
) -> ProfileChangePayload:
    request_id = decode_id(input.id, "ProfileChangeRequest")
    info.context.audit.target(input.id)
    request = await service.review_profile_change(
        request_id, input.decision, input.note, info.context.actor.staff_id, utcnow()
    )
    info.context.audit.target_member(request.member_id)
    return ProfileChangePayload(request=request)  # type: ignore[arg-type]


@user_errors(MemberPayload)
async def set_consents(
    info: Info,
    input: Annotated[
        SetConsentsInput, strawberry.argument(description="Whose consents, and the new values.")
    ],
) -> MemberPayload:
    field = ("input", "memberId")
    given = decode_id(input.member_id, "Member", field) if input.member_id else None
    member_id = info.context.scope_member(given, field)
    info.context.audit.target_member(member_id)
    updated = await service.set_consents(member_id, input.consents.values(), utcnow())
    return MemberPayload(member=updated)  # type: ignore[arg-type]


# ---------------------------------------------------------------- lifecycle


@user_errors(MemberPayload)
async def suspend_member(
    info: Info,
    input: Annotated[
        SuspendMemberInput, strawberry.argument(description="The member and the reason.")
    ],
) -> MemberPayload:
    member_id = decode_id(input.id, "Member")
    info.context.audit.target(input.id)
    updated = await service.suspend_member(
        member_id, input.reason, utcnow(), revoke_benefits=bool(input.revoke_benefits)
    )
    return MemberPayload(member=updated)  # type: ignore[arg-type]


@user_errors(MemberPayload)
async def reinstate_member(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="The SUSPENDED member to reinstate.")
    ],
) -> MemberPayload:
    member_id = decode_id(id, "Member", ("id",))
    info.context.audit.target(id)
    return MemberPayload(member=await service.reinstate_member(member_id, utcnow()))  # type: ignore[arg-type]


@user_errors(MemberPayload)
async def terminate_membership(
    info: Info,
    input: Annotated[
        TerminateMembershipInput, strawberry.argument(description="The member, reason and time.")
    ],
) -> MemberPayload:
    field = ("input", "id")
    given = decode_id(input.id, "Member", field) if input.id else None
    member_id = info.context.scope_member(given, field)
    info.context.audit.target_member(member_id)
    done = await service.terminate_membership(
        member_id,
        input.reason,
        utcnow(),
        note=input.note,
        effective_at=input.effective_at,
        self_service=info.context.actor.is_member,
    )
    return MemberPayload(member=done.member, erasure_pending=done.erasure_pending)  # type: ignore[arg-type]


async def run_terminations(info: Info, as_of: AsOf = None) -> JobReport:
    return await JobReport.of_run(service.run_terminations(as_of or utcnow()))


@strawberry.type
class MembersQuery:
    me: Member | None = strawberry.field(
        resolver=me,
        description="The calling member (role MEMBER); null for staff and anonymous callers.",
    )
    member: Member | None = strawberry.field(
        resolver=member,
        description="One member by id or memberNo; null when there is no such member (or "
        "neither is given). Members may ask only for themselves.",
    )
    members: Connection[Member] = strawberry.field(
        resolver=members,
        description="Members matching a filter, one page at a time. Search and sort use only "
        "fields the caller's role reads in clear.",
    )
    membership_applications: Connection[MembershipApplication] = strawberry.field(
        resolver=membership_applications,
        description="Applications for membership, oldest first: the review queue with "
        "status PENDING.",
    )
    profile_change_requests: Connection[ProfileChangeRequest] = strawberry.field(
        resolver=profile_change_requests,
        description="Members' profile change requests, oldest first: the review queue with "
        "status PENDING. Requested values are masked as the role reads the member's fields.",
    )


@strawberry.type
class MembersMutation:
    """Root mutation fields of members (joined in schema/root.py)."""

    apply_for_membership: ApplicationPayload = mutation(
        apply_for_membership,
        "Apply for membership: records a PENDING application for staff to review. "
        "Callers not signed in as staff may send at most MEMBERHUB_APPLY_RATE_LIMIT "
        "(default 10) per client address and hour; staff enrolling customers at a counter "
        "are not held to it. A phone or idNumber of a live member is DUPLICATE; an "
        "unknown requestedTierCode NOT_FOUND.",
        errors=(Invalid, Duplicate, NotFound, RateLimited),
    )
    review_membership_application: ApplicationPayload = mutation(
        review_membership_application,
        "Approve or reject a PENDING application. Approval creates the ACTIVE member in the "
        "entry tier (or the requested tier if its criteria are met), sends a welcome notice "
        "and returns the one-time activationCode. A reviewed application is INVALID_STATE.",
        errors=(Invalid, NotFound, InvalidState, Duplicate),
    )
    activate_membership: LoginPayload = mutation(
        activate_membership,
        "Set a new member's first password with their one-time activation code, and sign "
        "them in. A wrong, used or expired code is INVALID.",
        errors=(Invalid, RateLimited),
    )
    update_member: MemberPayload = mutation(
        update_member,
        "Edit a member's profile directly (staff); audited. A TERMINATED member is INVALID_STATE.",
        errors=(Invalid, Duplicate, NotFound, InvalidState),
    )
    request_profile_change: ProfileChangePayload = mutation(
        request_profile_change,
        "Ask for a change to the calling member's own profile; it takes effect when staff "
        "approve it with reviewProfileChange. A phone or idNumber of another live member is "
        "DUPLICATE.",
        errors=(Invalid, Duplicate, InvalidState, NotFound),
    )
    review_profile_change: ProfileChangePayload = mutation(
        review_profile_change,
        "Approve (apply the changes) or reject a PENDING profile change request.",
        errors=(Invalid, NotFound, InvalidState, Duplicate),
    )
    set_consents: MemberPayload = mutation(
        set_consents,
        "Change a member's marketing and profiling consents (members: their own). Withdrawn "
        "profiling consent stops BEHAVIOR and PREFERENCE rule tags for the member.",
        errors=(Invalid, NotFound, InvalidState),
    )
    suspend_member: MemberPayload = mutation(
        suspend_member,
        "Suspend an ACTIVE member: earning, redemption and benefit use are blocked until "
        "reinstateMember.",
        errors=(Invalid, NotFound, InvalidState),
    )
    reinstate_member: MemberPayload = mutation(
        reinstate_member,
        "Make a SUSPENDED member ACTIVE again.",
        errors=(Invalid, NotFound, InvalidState),
    )
    terminate_membership: MemberPayload = mutation(
        terminate_membership,
        "End a membership (members: their own, reason VOLUNTARY). The member is notified "
        "and becomes TERMINATING; at effectiveAt (at once when it is not in the future) "
        "they become TERMINATED: points forfeited, tags removed, personal data erased "
        "irreversibly.",
        errors=(Invalid, NotFound, InvalidState),
    )
    run_terminations: JobReport = strawberry.mutation(
        resolver=run_terminations,
        description="Terminate every TERMINATING member whose effective time has come by "
        "asOf. Also `memberhub run-job terminations`, for a scheduler.",
    )
