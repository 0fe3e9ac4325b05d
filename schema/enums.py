"""The domain enums exposed to GraphQL (defined once, in models/enums.py), each with
what it and every one of its values mean to a client."""

from enum import Enum
from typing import TYPE_CHECKING, TypeVar

import strawberry

from models import enums

E = TypeVar("E", bound=type[Enum])


def described(enum: E, description: str, **values: str) -> E:
    """`strawberry.enum(enum)` with a description for the type and one for each value."""
    exposed = strawberry.enum(enum, description=description)
    definition = exposed.__strawberry_definition__  # type: ignore[attr-defined]
    names = {value.name for value in definition.values}
    if names != values.keys():
        raise ValueError(f"{enum.__name__}: describe exactly {sorted(names)}")
    for value in definition.values:
        value.description = values[value.name]
    return exposed


if TYPE_CHECKING:
    # described() hands back the model enum it was given: to the type checker these
    # names are those classes (a call's result cannot be used as a type).
    from models.enums import (
        ApplicationStatus,
        AuditOutcome,
        BenefitCategory,
        BenefitPeriod,
        CampaignStatus,
        CaseKind,
        CaseStatus,
        CommunicationCategory,
        ContactChannel,
        DeliveryStatus,
        Direction,
        EnrollmentChannel,
        Gender,
        JobRunStatus,
        LifecycleStage,
        MemberOrderField,
        MemberStatus,
        OrderDirection,
        PointsEntryKind,
        ProgrammeCode,
        RedemptionPurpose,
        ReviewDecision,
        Role,
        TagCategory,
        TagSource,
        TagStatus,
        TerminationReason,
        TierChangeReason,
    )
else:
    Role = described(
        enums.Role,
        "A role a caller holds; what each may read and do is the permission policy (each "
        "guarded field's description names the roles it admits).",
        ADMIN="Administers everything: staff accounts, the catalogue, member data, the audit log.",
        OPERATIONS="Runs the programme: tiers, benefits, points corrections, reviews, jobs.",
        SERVICE="Customer service: member profiles, contacts and service cases, purchases.",
        MARKETING="Marketing: tags, MARKETING communications; member contact data masked.",
        ANALYST="Reads aggregate figures (insights) and non-identifying member profile fields.",
        AUDITOR="Reads and verifies the audit log only.",
        MEMBER="A signed-in member: their own records only.",
    )
    MemberStatus = described(
        enums.MemberStatus,
        "Where a member stands in the membership lifecycle.",
        ACTIVE="A member in good standing: earns and redeems points and uses benefits.",
        SUSPENDED="Temporarily blocked from earning, redeeming and using benefits "
        "until reinstated.",
        TERMINATING="Termination notified; takes effect at terminationEffectiveAt.",
        TERMINATED="Membership ended: points forfeited, tags removed, personal data erased.",
    )
    Gender = described(
        enums.Gender,
        "Gender as the member stated it.",
        MALE="Male.",
        FEMALE="Female.",
        OTHER="Another gender.",
        UNDISCLOSED="The member chose not to say.",
    )
    EnrollmentChannel = described(
        enums.EnrollmentChannel,
        "Where an application for membership was made.",
        ONLINE="The web site, by the applicant.",
        APP="The mobile app, by the applicant.",
        STORE="At a store counter, entered by staff.",
        PARTNER="Through a partner, entered by the partner's or our staff.",
        CUSTOMER_SERVICE="By phone or chat with customer service, entered by an agent.",
        EVENT="At an event, entered by staff.",
    )
    TerminationReason = described(
        enums.TerminationReason,
        "Why a membership ends.",
        VOLUNTARY="The member withdrew (no notice period by default).",
        INACTIVITY="Ended by the company for long inactivity.",
        VIOLATION="Ended by the company for a breach of the membership terms.",
        BUSINESS_CHANGE="Ended because the programme or business changed.",
    )
    ApplicationStatus = described(
        enums.ApplicationStatus,
        "Review state of a membership application or profile-change request.",
        PENDING="Submitted, awaiting a staff review.",
        APPROVED="Approved by staff: the member was created or the change applied.",
        REJECTED="Refused by staff; nothing changed.",
    )
    ReviewDecision = described(
        enums.ReviewDecision,
        "A reviewer's verdict on something awaiting review.",
        APPROVE="Accept: the request takes effect.",
        REJECT="Refuse: the request is closed without effect.",
    )
    TierChangeReason = described(
        enums.TierChangeReason,
        "Why a member's tier changed.",
        ENROLLMENT="The tier given on joining.",
        PROMOTION="Raised after a purchase met a higher tier's criteria.",
        DEMOTION="Lowered by the tier evaluation job: the tier's criteria were no longer met.",
        MANUAL="Set by staff with setMemberTier.",
    )
    PointsEntryKind = described(
        enums.PointsEntryKind,
        "What a points-ledger entry records.",
        EARN="Points earned by a purchase; positive.",
        REDEEM="Points spent on a redemption or a paid benefit use; negative.",
        ADJUST="A manual correction by staff, or the refund of a revoked benefit use; either sign.",
        EXPIRE="Points that reached their expiry date, posted by the points-expiry job; negative.",
        REVERSAL="Points taken back because a purchase was refunded; negative.",
        FORFEIT="The remaining balance forfeited when a membership was terminated; negative.",
    )
    RedemptionPurpose = described(
        enums.RedemptionPurpose,
        "What redeemed points pay for.",
        GIFT="A gift from the catalogue.",
        CASH_OFFSET="Money off a purchase: the points' value in currency is returned as cashValue.",
        BENEFIT="A benefit paid for in points.",
        OTHER="Anything else; say what in the reference.",
    )
    BenefitCategory = described(
        enums.BenefitCategory,
        "The kind of a benefit.",
        POINTS="Extra points or a points bonus.",
        DISCOUNT="A price reduction (discountPercent).",
        PRIORITY_SERVICE="Priority in customer service.",
        BIRTHDAY="A birthday treat, usable only in the member's birthday month.",
        EXCLUSIVE_EVENT="Access to members-only events.",
        PERSONALIZED="An offer tailored to the member.",
    )
    BenefitPeriod = described(
        enums.BenefitPeriod,
        "The calendar period a benefit's usage limit counts over, in the business time zone "
        "(MEMBERHUB_TIMEZONE, default Asia/Shanghai).",
        DAY="Each calendar day.",
        MONTH="Each calendar month.",
        QUARTER="Each calendar quarter (January, April, July, October).",
        YEAR="Each calendar year.",
        LIFETIME="The whole membership: the limit never resets.",
    )
    TagCategory = described(
        enums.TagCategory,
        "The family a customer tag belongs to.",
        BASIC_INFO="Basic information: age band, gender, region, occupation.",
        BEHAVIOR="Purchase behaviour: frequency, spend level, recency. Rule tags of this family "
        "are computed only for members with profiling consent.",
        PREFERENCE="Preferences: products, service channel. Rule tags of this family are computed "
        "only for members with profiling consent.",
        VALUE="Customer value: VIP, potential, churned.",
    )
    TagStatus = described(
        enums.TagStatus,
        "Review state of a tag definition.",
        PENDING_REVIEW="Proposed, awaiting approval by a staff member other than the proposer.",
        ACTIVE="Approved: may be assigned, and its rule (if any) is applied.",
        REJECTED="Refused at review; never assigned.",
        RETIRED="No longer used: removed from every member, kept in history.",
    )
    CampaignStatus = described(
        enums.CampaignStatus,
        "Review state of an earning campaign.",
        PENDING_REVIEW="Proposed, awaiting approval by a staff member other than the proposer; "
        "its terms may still change (updateCampaign).",
        APPROVED="In force: purchases in its period earn it. Its terms never change.",
        REJECTED="Refused at review; never applied.",
        ENDED="Ended early: no purchase earns it any more.",
    )
    TagSource = described(
        enums.TagSource,
        "How a tag came to be on a member.",
        MANUAL="Assigned by staff.",
        RULE="Computed from the tag definition's rule.",
    )
    ContactChannel = described(
        enums.ContactChannel,
        "The medium of a contact with a member.",
        SMS="Text message.",
        EMAIL="E-mail.",
        PHONE="Phone call.",
        ONLINE_CHAT="Chat on the web site or in the app.",
        SOCIAL="A social-media channel.",
        APP_PUSH="Push notification in the mobile app.",
        STORE="In person at a store.",
    )
    Direction = described(
        enums.Direction,
        "Who started a contact.",
        INBOUND="From the member to us.",
        OUTBOUND="From us to the member.",
    )
    CommunicationCategory = described(
        enums.CommunicationCategory,
        "What a contact is about.",
        INQUIRY="A question from the member. Logged inbound without a case, it opens one.",
        COMPLAINT="A complaint. Logged inbound without a case, it opens one.",
        SUGGESTION="A suggestion. Logged inbound without a case, it opens one.",
        CARE="Customer care: a courtesy contact.",
        MARKETING="Marketing; sent only to members who consented to the channel.",
        NOTIFICATION="A service notice memberhub sends itself (welcome, tier change, "
        "termination notice).",
        SURVEY="A satisfaction survey.",
        FOLLOW_UP="A follow-up on an earlier contact or case.",
    )
    DeliveryStatus = described(
        enums.DeliveryStatus,
        "Where a communication's delivery to the member stands.",
        QUEUED="Waiting for its next attempt (nextAttemptAt).",
        SENDING="Being sent by a worker now.",
        SENT="Accepted by the mail server or the gateway (sentAt).",
        FAILED="Refused for good, or still failing after the last attempt; retryDelivery "
        "queues it again.",
        SKIPPED="Not sent: at send time the member was terminated, had withdrawn consent to "
        "MARKETING on the channel, or had no address for it (lastError says which).",
        CANCELLED="Not sent: the member's data was erased.",
    )
    CaseKind = described(
        enums.CaseKind,
        "The kind of a service case; it sets the resolution deadline.",
        INQUIRY="A question to answer.",
        COMPLAINT="A complaint (resolution due within 48 hours by default).",
        SUGGESTION="A suggestion to acknowledge and consider.",
    )
    CaseStatus = described(
        enums.CaseStatus,
        "State of a service case: OPEN -> RESPONDED -> RESOLVED -> CLOSED; ESCALATED is "
        "reachable from any unresolved state.",
        OPEN="Opened, not yet answered.",
        RESPONDED="Answered at least once, not yet resolved.",
        ESCALATED="Handed to a supervisor (the assignee), not yet resolved.",
        RESOLVED="Resolved by staff; the member may rate it.",
        CLOSED="Rated by the member after resolution; final.",
    )
    AuditOutcome = described(
        enums.AuditOutcome,
        "How an audited operation ended.",
        OK="Completed without errors.",
        USER_ERROR="Refused with UserErrors in the payload (bad input, wrong state, ...); "
        "nothing changed.",
        DENIED="Refused by the permission policy (FORBIDDEN or UNAUTHENTICATED).",
        ERROR="Failed with another error (invalid request, or an unexpected error of ours).",
    )
    JobRunStatus = described(
        enums.JobRunStatus,
        "State of a run of a scheduled job.",
        RUNNING="Started and not yet ended; a run whose worker was killed stays RUNNING until "
        "its lease expires and another worker takes the job over.",
        OK="Completed; counts says what it did.",
        FAILED="Ended with an error (error says which), or abandoned by its worker.",
    )
    MemberOrderField = described(
        enums.MemberOrderField,
        "What a member list is sorted by.",
        JOINED_AT="Time the member joined.",
        MEMBER_NO="Membership number.",
        POINTS_BALANCE="Current points balance.",
        LIFETIME_SPEND="Total net spend since joining.",
    )
    OrderDirection = described(
        enums.OrderDirection,
        "Sort direction.",
        ASC="Smallest first.",
        DESC="Largest first.",
    )
    LifecycleStage = described(
        enums.LifecycleStage,
        "Where a member stands in their membership: the first of NEW, CHURNED, AT_RISK, "
        "HIGH_VALUE that holds, else ACTIVE. Days without a purchase count from the latest "
        "purchase, or from joining for a member who never bought.",
        NEW="Joined within MEMBERHUB_NEW_DAYS (default 90).",
        ACTIVE="None of the others.",
        HIGH_VALUE="In one of the top two tier ranks, or holding the VALUE tag coded VIP (in any "
        "case).",
        AT_RISK="No purchase for MEMBERHUB_AT_RISK_DAYS (default 90).",
        CHURNED="No purchase for MEMBERHUB_CHURN_DAYS (default 180).",
    )
    ProgrammeCode = described(
        enums.ProgrammeCode,
        "A programme that keeps members (each run with a holdout to measure its effect).",
        CHURN_WARNING="AT_RISK members get a care message, naming a benefit code or coupon "
        "when the settings give one.",
        SATISFACTION_REVISIT="A sample of the purchases made delayDays before the run gets "
        "a survey with a one-time code (respondToSurvey).",
        PROFILE_REMINDER="Members whose profile was not confirmed or changed for 12 months "
        "are asked to check it (confirmProfile).",
        BIRTHDAY_GREETING="Members whose birthday it is in the business time zone get a "
        "greeting naming their tier's birthday benefits.",
    )
