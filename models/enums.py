"""Domain enumerations, defined once; the schema exposes them with strawberry.enum."""

from enum import Enum


class Role(str, Enum):
    ADMIN = "ADMIN"
    OPERATIONS = "OPERATIONS"
    SERVICE = "SERVICE"
    MARKETING = "MARKETING"
    ANALYST = "ANALYST"
    AUDITOR = "AUDITOR"
    MEMBER = "MEMBER"


STAFF_ROLES = tuple(r for r in Role if r is not Role.MEMBER)


class MemberStatus(str, Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


class Gender(str, Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"
    UNDISCLOSED = "UNDISCLOSED"


class EnrollmentChannel(str, Enum):
    ONLINE = "ONLINE"
    APP = "APP"
    STORE = "STORE"
    PARTNER = "PARTNER"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    EVENT = "EVENT"


class TerminationReason(str, Enum):
    VOLUNTARY = "VOLUNTARY"
    INACTIVITY = "INACTIVITY"
    VIOLATION = "VIOLATION"
    BUSINESS_CHANGE = "BUSINESS_CHANGE"


class ApplicationStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ReviewDecision(str, Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class TierChangeReason(str, Enum):
    ENROLLMENT = "ENROLLMENT"
    PROMOTION = "PROMOTION"
    DEMOTION = "DEMOTION"
    MANUAL = "MANUAL"


class PointsEntryKind(str, Enum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    ADJUST = "ADJUST"
    EXPIRE = "EXPIRE"
    REVERSAL = "REVERSAL"
    FORFEIT = "FORFEIT"


class RedemptionPurpose(str, Enum):
    GIFT = "GIFT"
    CASH_OFFSET = "CASH_OFFSET"
    BENEFIT = "BENEFIT"
    OTHER = "OTHER"


class BenefitCategory(str, Enum):
    POINTS = "POINTS"
    DISCOUNT = "DISCOUNT"
    PRIORITY_SERVICE = "PRIORITY_SERVICE"
    BIRTHDAY = "BIRTHDAY"
    EXCLUSIVE_EVENT = "EXCLUSIVE_EVENT"
    PERSONALIZED = "PERSONALIZED"


class BenefitPeriod(str, Enum):
    DAY = "DAY"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    LIFETIME = "LIFETIME"


class TagCategory(str, Enum):
    BASIC_INFO = "BASIC_INFO"
    BEHAVIOR = "BEHAVIOR"
    PREFERENCE = "PREFERENCE"
    VALUE = "VALUE"


class TagStatus(str, Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    RETIRED = "RETIRED"


class TagSource(str, Enum):
    MANUAL = "MANUAL"
    RULE = "RULE"


class ContactChannel(str, Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    ONLINE_CHAT = "ONLINE_CHAT"
    SOCIAL = "SOCIAL"
    APP_PUSH = "APP_PUSH"
    STORE = "STORE"


class Direction(str, Enum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class CommunicationCategory(str, Enum):
    INQUIRY = "INQUIRY"
    COMPLAINT = "COMPLAINT"
    SUGGESTION = "SUGGESTION"
    CARE = "CARE"
    MARKETING = "MARKETING"
    NOTIFICATION = "NOTIFICATION"
    SURVEY = "SURVEY"
    FOLLOW_UP = "FOLLOW_UP"


class DeliveryStatus(str, Enum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"


class CaseKind(str, Enum):
    INQUIRY = "INQUIRY"
    COMPLAINT = "COMPLAINT"
    SUGGESTION = "SUGGESTION"


class CaseStatus(str, Enum):
    OPEN = "OPEN"
    RESPONDED = "RESPONDED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class AuditOutcome(str, Enum):
    OK = "OK"
    USER_ERROR = "USER_ERROR"
    DENIED = "DENIED"
    ERROR = "ERROR"


class MemberOrderField(str, Enum):
    JOINED_AT = "JOINED_AT"
    MEMBER_NO = "MEMBER_NO"
    POINTS_BALANCE = "POINTS_BALANCE"
    LIFETIME_SPEND = "LIFETIME_SPEND"


class OrderDirection(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


class JobRunStatus(str, Enum):
    RUNNING = "RUNNING"
    OK = "OK"
    FAILED = "FAILED"


class CampaignStatus(str, Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    ENDED = "ENDED"


class OutreachKind(str, Enum):
    """What contacted an audience: a programme's run or a sendCommunication (DESIGN §10)."""

    PROGRAMME_RUN = "PROGRAMME_RUN"
    SEND = "SEND"


class ProgrammeCode(str, Enum):
    """The programmes that keep members (DESIGN §10)."""

    CHURN_WARNING = "CHURN_WARNING"
    SATISFACTION_REVISIT = "SATISFACTION_REVISIT"
    PROFILE_REMINDER = "PROFILE_REMINDER"
    BIRTHDAY_GREETING = "BIRTHDAY_GREETING"


class TagUseKind(str, Enum):
    """Where a tag was used to choose members (the tag policy's utilisation)."""

    SEND = "SEND"
    CAMPAIGN = "CAMPAIGN"
    PROGRAMME = "PROGRAMME"
    SEARCH = "SEARCH"


class LifecycleStage(str, Enum):
    """Where a member stands in their membership (DESIGN §10)."""

    NEW = "NEW"
    ACTIVE = "ACTIVE"
    HIGH_VALUE = "HIGH_VALUE"
    AT_RISK = "AT_RISK"
    CHURNED = "CHURNED"
