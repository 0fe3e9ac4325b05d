"""The one permission policy (DESIGN §3): a table read by enforcement, docs and tests.

Keys are (GraphQL type, GraphQL field). Roles a row does not name are denied.
Cells:
  FULL      the value in clear (for Query/Mutation/Subscription rows: allowed)
  MASKED    the value with its middle hidden (masking.py)
  SELF      only on the calling member's own records; for a root field, the
            resolver scopes the operation to the caller (`Context.scope_member`)
  SELF_MASKED  own records, masked
  scoped(..)   allowed, the resolver narrows the rows by the named scope
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.enums import Role

ADMIN, OPERATIONS, SERVICE, MARKETING, ANALYST, AUDITOR, MEMBER = (
    Role.ADMIN,
    Role.OPERATIONS,
    Role.SERVICE,
    Role.MARKETING,
    Role.ANALYST,
    Role.AUDITOR,
    Role.MEMBER,
)


@dataclass(frozen=True)
class Cell:
    kind: str  # "full", "masked", "self" or "-"
    masked: bool = False
    scope: str | None = None

    @property
    def allowed(self) -> bool:
        return self.kind != "-"

    def label(self) -> str:
        if self.kind == "-":
            return "-"
        text = "masked" if self.kind == "masked" else self.kind
        if self.kind == "self" and self.masked:
            text = "self (masked)"
        if self.scope:
            text += f" ({SCOPES[self.scope]})"
        return text


FULL = Cell("full")
MASKED = Cell("masked", masked=True)
SELF = Cell("self")
SELF_MASKED = Cell("self", masked=True)
DENIED = Cell("-")

# Row scopes: the resolver of a scoped field filters the records by these.
SCOPES = {
    "MARKETING_ONLY": "MARKETING category only",
    "NO_INTERNAL": "no internal notes",
}


def scoped(base: Cell, scope: str) -> Cell:
    return Cell(base.kind, base.masked, scope)


Row = dict[Role, Cell]


def row(**cells: Cell) -> Row:
    return {Role[name]: cell for name, cell in cells.items()}


def staff(*roles: Role, cell: Cell = FULL) -> Row:
    return dict.fromkeys(roles, cell)


EVERYONE_STAFF = (ADMIN, OPERATIONS, SERVICE, MARKETING, ANALYST, AUDITOR)
MEMBER_READERS = (ADMIN, OPERATIONS, SERVICE, MARKETING, ANALYST)

# Fields that hold personal data: a clear read is noted in the audit entry.
SENSITIVE_FIELDS = {
    ("Member", "name"),
    ("Member", "phone"),
    ("Member", "email"),
    ("Member", "address"),
    ("Member", "idNumber"),
    ("Member", "birthDate"),
    ("MembershipApplication", "name"),
    ("MembershipApplication", "phone"),
    ("MembershipApplication", "email"),
}

_name = row(ADMIN=FULL, OPERATIONS=FULL, SERVICE=FULL, MARKETING=MASKED, MEMBER=SELF)
_contact = row(ADMIN=FULL, OPERATIONS=MASKED, SERVICE=FULL, MARKETING=MASKED, MEMBER=SELF)
_private = row(ADMIN=FULL, SERVICE=FULL, MEMBER=SELF)
_profile = {**staff(*MEMBER_READERS), MEMBER: SELF}
_ledger = row(ADMIN=FULL, OPERATIONS=FULL, SERVICE=FULL, MEMBER=SELF)
_benefits = row(ADMIN=FULL, OPERATIONS=FULL, SERVICE=FULL, MARKETING=FULL, MEMBER=SELF)
_contacts = row(
    ADMIN=FULL,
    SERVICE=FULL,
    MARKETING=scoped(FULL, "MARKETING_ONLY"),
    MEMBER=scoped(SELF, "NO_INTERNAL"),
)
_staff_contacts = {role: cell for role, cell in _contacts.items() if role is not MEMBER}
_staff_detail = staff(*EVERYONE_STAFF)
REVIEWERS = (ADMIN, OPERATIONS, SERVICE)
_campaigns = staff(ADMIN, OPERATIONS, MARKETING, ANALYST)
# A campaign's fields beyond id, code and name: its terms and figures are staff's.
CAMPAIGN_TERMS = (
    "status startsAt endsAt audience minAmount channels multiplier bonusPoints "
    "maxPointsPerMember budgetPoints pointsIssued membersReached proposedBy reviewedBy"
)


def _reviewers(cells: Row) -> Row:
    return {role: cell for role, cell in cells.items() if role in REVIEWERS}


POLICY: dict[tuple[str, str], Row] = {
    # -- Member data, in DESIGN §3 order
    ("Member", "name"): _name,
    ("Member", "phone"): _contact,
    ("Member", "email"): _contact,
    ("Member", "address"): _private,
    ("Member", "idNumber"): row(ADMIN=FULL, SERVICE=MASKED, MEMBER=SELF_MASKED),
    ("Member", "birthDate"): _private,
    ("Member", "ageBand"): _profile,
    ("Member", "gender"): _profile,
    ("Member", "tier"): _profile,
    ("Member", "tierHistory"): _profile,
    ("Member", "tags"): _profile,
    ("Member", "lifecycleStage"): _profile,
    ("Member", "consents"): _benefits,
    ("Member", "pointsBalance"): _ledger,
    ("Member", "pointsExpiringBy"): _ledger,
    ("Member", "pointsLedger"): _ledger,
    ("Member", "purchases"): _ledger,
    ("Member", "lifetimeSpend"): _ledger,
    ("Member", "qualifyingSpend"): _ledger,
    ("Member", "qualifyingOrders"): _ledger,
    ("Member", "tierProgress"): _ledger,
    ("Member", "benefits"): _benefits,
    ("Member", "benefitUsages"): _benefits,
    ("Member", "communications"): _contacts,
    ("Member", "serviceCases"): _contacts,
    # A delivery's attempts and errors are the operators' business, not the member's.
    ("Communication", "delivery"): _staff_contacts,
    # Applications are read only by their reviewers (Query.membershipApplications).
    ("MembershipApplication", "name"): _reviewers(_name),
    ("MembershipApplication", "phone"): _reviewers(_contact),
    ("MembershipApplication", "email"): _reviewers(_contact),
    # -- a StaffUser referenced by a record: members see the display name only
    ("StaffUser", "username"): _staff_detail,
    ("StaffUser", "roles"): _staff_detail,
    ("StaffUser", "active"): _staff_detail,
    ("StaffUser", "createdAt"): _staff_detail,
    ("StaffUser", "lastLoginAt"): _staff_detail,
    # -- catalogues: public, but who holds a tier or a tag is member data (members reach
    #    the definitions of their own tags through Member.tags)
    ("Tier", "memberCount"): staff(*MEMBER_READERS),
    ("TagDefinition", "memberCount"): staff(*MEMBER_READERS),
    # The tag policy's evaluation: the roles that read insights.
    ("TagDefinition", "utilisation"): staff(ADMIN, OPERATIONS, MARKETING, ANALYST),
    # -- campaigns: members and SERVICE read a ledger entry's campaign by code and name only
    **{("Campaign", name): _campaigns for name in CAMPAIGN_TERMS.split()},
    # -- queries
    ("Query", "member"): {**staff(*MEMBER_READERS), MEMBER: SELF},
    ("Query", "members"): staff(*MEMBER_READERS),
    ("Query", "tagDefinitions"): staff(*MEMBER_READERS),
    ("Query", "tagEvaluation"): staff(ADMIN, OPERATIONS, MARKETING, ANALYST),
    ("Query", "staffUsers"): row(ADMIN=FULL),
    ("Query", "membershipApplications"): staff(*REVIEWERS),
    ("Query", "profileChangeRequests"): staff(*REVIEWERS),
    ("Query", "serviceCases"): _contacts,
    ("Query", "deliveries"): row(ADMIN=FULL, SERVICE=FULL),
    ("Query", "auditLog"): row(ADMIN=FULL, AUDITOR=FULL),
    ("Query", "verifyAuditChain"): row(ADMIN=FULL, AUDITOR=FULL),
    ("Query", "insights"): staff(ADMIN, OPERATIONS, MARKETING, ANALYST),
    # Who may send, and the analysts: a send's figures, no member in them.
    ("Query", "sends"): staff(ADMIN, SERVICE, MARKETING, ANALYST),
    # -- mutations: identity
    ("Mutation", "logout"): {**staff(*EVERYONE_STAFF), MEMBER: SELF},
    ("Mutation", "changePassword"): {**staff(*EVERYONE_STAFF), MEMBER: SELF},
    ("Mutation", "createStaffUser"): row(ADMIN=FULL),
    ("Mutation", "updateStaffUser"): row(ADMIN=FULL),
    # -- enrollment and profile
    ("Mutation", "reviewMembershipApplication"): staff(*REVIEWERS),
    ("Mutation", "updateMember"): staff(ADMIN, SERVICE),
    ("Mutation", "requestProfileChange"): row(MEMBER=SELF),
    ("Mutation", "reviewProfileChange"): staff(*REVIEWERS),
    ("Mutation", "setConsents"): row(ADMIN=FULL, SERVICE=FULL, MEMBER=SELF),
    ("Mutation", "suspendMember"): staff(ADMIN, OPERATIONS),
    ("Mutation", "reinstateMember"): staff(ADMIN, OPERATIONS),
    ("Mutation", "terminateMembership"): row(ADMIN=FULL, OPERATIONS=FULL, MEMBER=SELF),
    # -- tiers, benefits: edit
    ("Mutation", "upsertTier"): staff(ADMIN, OPERATIONS),
    ("Mutation", "upsertBenefit"): staff(ADMIN, OPERATIONS),
    # -- points
    ("Mutation", "adjustPoints"): staff(ADMIN, OPERATIONS),
    ("Mutation", "setMemberTier"): staff(ADMIN, OPERATIONS),
    ("Mutation", "recordPurchase"): staff(ADMIN, OPERATIONS, SERVICE),
    ("Mutation", "refundPurchase"): staff(ADMIN, OPERATIONS, SERVICE),
    ("Mutation", "redeemPoints"): _ledger,
    ("Mutation", "useBenefit"): _ledger,
    ("Mutation", "revokeBenefitUsage"): staff(ADMIN, OPERATIONS, SERVICE),
    # -- tags: propose / review
    ("Mutation", "proposeTagDefinition"): staff(ADMIN, MARKETING),
    ("Mutation", "reviewTagDefinition"): staff(ADMIN, OPERATIONS),
    ("Mutation", "retireTagDefinition"): staff(ADMIN, OPERATIONS),
    ("Mutation", "assignTag"): staff(ADMIN, OPERATIONS, SERVICE, MARKETING),
    ("Mutation", "removeTag"): staff(ADMIN, OPERATIONS, SERVICE, MARKETING),
    ("Mutation", "reportTagError"): staff(*MEMBER_READERS),
    # -- communications and cases
    ("Mutation", "logCommunication"): row(
        ADMIN=FULL, SERVICE=FULL, MARKETING=scoped(FULL, "MARKETING_ONLY")
    ),
    ("Mutation", "sendCommunication"): row(
        ADMIN=FULL, SERVICE=FULL, MARKETING=scoped(FULL, "MARKETING_ONLY")
    ),
    ("Mutation", "openServiceCase"): row(ADMIN=FULL, SERVICE=FULL, MEMBER=SELF),
    ("Mutation", "respondToCase"): staff(ADMIN, SERVICE),
    ("Mutation", "escalateCase"): staff(ADMIN, SERVICE),
    ("Mutation", "resolveCase"): staff(ADMIN, SERVICE),
    ("Mutation", "rateCase"): row(ADMIN=FULL, SERVICE=FULL, MEMBER=SELF),
    ("Mutation", "retryDelivery"): row(ADMIN=FULL, SERVICE=FULL),
    # -- event webhooks
    ("Query", "webhookEndpoints"): staff(ADMIN),
    ("Mutation", "createWebhookEndpoint"): staff(ADMIN),
    ("Mutation", "updateWebhookEndpoint"): staff(ADMIN),
    ("Mutation", "rotateWebhookSecret"): staff(ADMIN),
    ("Mutation", "deleteWebhookEndpoint"): staff(ADMIN),
    # -- scheduled jobs
    ("Mutation", "runTierEvaluation"): staff(ADMIN, OPERATIONS),
    ("Mutation", "runPointsExpiry"): staff(ADMIN, OPERATIONS),
    ("Mutation", "runPointsExpiryNotice"): staff(ADMIN, OPERATIONS),
    ("Mutation", "runTagRefresh"): staff(ADMIN, OPERATIONS),
    ("Mutation", "runTerminations"): staff(ADMIN, OPERATIONS),
    ("Query", "jobRuns"): staff(ADMIN, OPERATIONS),
    # -- earning campaigns: as tag definitions (DESIGN §9)
    ("Query", "campaigns"): _campaigns,
    ("Mutation", "proposeCampaign"): staff(ADMIN, MARKETING),
    ("Mutation", "updateCampaign"): staff(ADMIN, MARKETING),
    ("Mutation", "reviewCampaign"): staff(ADMIN, OPERATIONS),
    ("Mutation", "endCampaign"): staff(ADMIN, OPERATIONS, MARKETING),
    # -- programmes (DESIGN §10): read as campaigns; settings by ADMIN and MARKETING
    ("Query", "programmes"): _campaigns,
    ("Query", "programmeRuns"): _campaigns,
    ("Mutation", "updateProgramme"): staff(ADMIN, MARKETING),
    ("Mutation", "runProgramme"): staff(ADMIN, OPERATIONS, MARKETING),
    ("Mutation", "confirmProfile"): row(MEMBER=SELF),
    # -- subscriptions
    ("Subscription", "pointsPosted"): _ledger,
}

# Root fields open to every caller, signed in or not (DESIGN §3: anonymous callers may
# only apply, activate, log in and read the catalogue). Not in POLICY: nothing to decide.
PUBLIC_ROOT_FIELDS = {
    ("Query", "viewer"),
    ("Query", "me"),
    ("Query", "node"),
    ("Query", "tiers"),
    ("Query", "benefits"),
    ("Mutation", "staffLogin"),
    ("Mutation", "memberLogin"),
    ("Mutation", "applyForMembership"),
    ("Mutation", "activateMembership"),
    # The one-time code of a survey message is the caller's credential (DESIGN §10).
    ("Mutation", "respondToSurvey"),
}

# Records listed in pages: each has a Connection and an Edge type.
CONNECTED = (
    "AuditEntry",
    "BenefitUsage",
    "Campaign",
    "Communication",
    "Delivery",
    "JobRun",
    "Member",
    "MembershipApplication",
    "PointsEntry",
    "ProfileChangeRequest",
    "ProgrammeRun",
    "Purchase",
    "Send",
    "ServiceCase",
    "WebhookDelivery",
)

# Fields with no row of their own: whoever reaches the record reads them, and every way
# to a record is a guarded field or resolver (else a catalogue, a mutation's result, the
# caller's own session). Enforcement refuses to build a schema with a field in neither
# POLICY nor here, so a new field is classified when it is added; a field derived from a
# guarded one (a count, a masked or computed value) belongs in POLICY with its guard.
OPEN_FIELDS: dict[str, frozenset[str]] = {
    type_name: frozenset(names.split())
    for type_name, names in {
        # -- records whose every way in is guarded
        "Member": "id memberNo status joinedAt enrollmentChannel suspendedReason "
        "terminationReason terminationEffectiveAt",
        "Consents": "marketingEmail marketingPhone marketingPush marketingSms profiling updatedAt",
        # explanation withholds each member value the reader may not read (schema/tags.py).
        "MemberTag": "tag source assignedAt assignedBy explanation",
        "TagExplanation": "computedAt assignedBy conditions",
        "TagCondition": "field op value memberValue met negated path",
        "TierChange": "at from to reason note",
        "TierProgress": "nextTier spendToNext ordersToNext keepBy spendToKeep ordersToKeep",
        "PointsEntry": "id kind points balanceAfter reason createdAt expiresAt createdBy "
        "purchase idempotencyKey campaign",
        "Campaign": "id code name",
        "CampaignAudience": "tierCodes tagsAll tagsAny tagsNone",
        "Purchase": "id member orderRef amount refundedAmount pointsEarned channel occurredAt",
        "BenefitEligibility": "benefit eligible reason usesLeft",
        "BenefitUsage": "id member benefit pointsSpent usedAt note revoked revokedReason",
        # Communication.case and ServiceCase.communications narrow by the caller's scope.
        "Communication": "id member channel direction category subject content staff case "
        "occurredAt satisfactionScore",
        "Delivery": "id communication channel status attempts lastError nextAttemptAt sentAt "
        "createdAt",
        "ServiceCase": "id member kind channel subject status assignee escalatedTo resolution "
        "openedAt responseDueAt resolutionDueAt firstRespondedAt resolvedAt overdue "
        "satisfactionScore communications",
        "MembershipApplication": "id channel requestedTierCode status submittedAt reviewedAt "
        "reviewedBy reviewNote member",
        # `changes` shows each requested value as the reader's Member.<field> cell allows.
        "ProfileChangeRequest": "id member changes reason status submittedAt reviewedAt "
        "reviewedBy reviewNote",
        "TagDefinition": "id code name category description status rule createdBy reviewedBy "
        "errorRate visibleToMember",
        "AuditEntry": "id at requestId actorType actorId roles operationType operationName "
        "variables fields sensitiveFields targetIds outcome errorCodes durationMs ip "
        "userAgent prevHash hash",
        "AuditChainReport": "ok checked firstBrokenId",
        "JobRun": "id job startedAt finishedAt status counts error",
        # Aggregates: DESIGN §3 grants insights whole to the roles Query.insights admits.
        "Insights": "from to activeMembers newMembers terminatedMembers churnRate "
        "tierDistribution stageDistribution pointsEarned pointsRedeemed pointsExpired "
        "pointsOutstanding responseSlaRate resolutionSlaRate satisfactionRate "
        "satisfactionRateSurveys satisfactionRateCases satisfactionTarget campaigns",
        "TierCount": "tier members",
        "StageCount": "stage members",
        "CampaignInsight": "campaign pointsIssued membersReached pointsOutstanding",
        # -- programmes: their every way in is a guarded root field
        "Programme": "code enabled coolDownDays holdoutShare sampleRate delayDays benefitCode "
        "updatedAt",
        "ProgrammeRun": "id programme asOf startedAt contacted heldOut skipped seed "
        "holdoutShare effect winBack",
        "WinBack": "contacted heldOut rateContacted rateHeldOut",
        "Effect": "contacted heldOut convertedContacted convertedHeldOut conversionContacted "
        "conversionHeldOut uplift upliftLow upliftHigh spendPerContacted spendPerHeldOut",
        # -- catalogues, open to every caller
        "Tier": "id code name rank minSpend minOrders pointsMultiplier description benefits",
        "Benefit": "id code name category description discountPercent pointsCost usageLimit "
        "usagePeriod activeFrom activeUntil active tiers",
        # -- a staff user as a record names them: DESIGN §3, displayName only for members
        "StaffUser": "id displayName",
        # -- the caller's own session
        "Viewer": "roles staff member",
        "Session": "token expiresAt viewer",
        # -- pages
        "PageInfo": "hasNextPage hasPreviousPage startCursor endCursor",
        **{f"{record}Connection": "edges pageInfo totalCount" for record in CONNECTED},
        **{f"{record}Edge": "cursor node" for record in CONNECTED},
        # -- mutations' results, as guarded as the mutation
        "UserError": "field code message retryAfter",
        "ApplicationPayload": "application activationCode errors",
        "LoginPayload": "session errors",
        "OkPayload": "ok errors",
        "StaffUserPayload": "staffUser errors",
        "MemberPayload": "member erasurePending errors",
        "ProfileChangePayload": "request errors",
        "TierPayload": "tier errors",
        "BenefitPayload": "benefit errors",
        "BenefitUsagePayload": "usage errors",
        "PointsPayload": "entry member cashValue errors",
        "PurchasePayload": "purchase member tierChange errors",
        "TagDefinitionPayload": "tag errors",
        "TagUtilisation": "uses membersReached purchasesAfter",
        "TagEvaluation": "tag errorRate utilisation holders lastRefreshedAt",
        "CampaignPayload": "campaign errors",
        "ProgrammePayload": "programme errors",
        "ProgrammeRunPayload": "run errors",
        "MemberTagsPayload": "member errors",
        "CommunicationPayload": "communication errors",
        "SendCommunicationPayload": "sent skippedNoConsent heldOut send errors",
        "Send": "id at channel category contacted heldOut holdoutShare seed effect",
        "CasePayload": "case errors",
        "DeliveryPayload": "delivery errors",
        "WebhookEndpoint": "id url events description enabled disabledReason createdAt deliveries",
        "WebhookDelivery": "id eventType status attempts lastError responseStatus createdAt sentAt",
        "WebhookSecretPayload": "endpoint secret errors",
        "WebhookEndpointPayload": "endpoint errors",
        "JobReport": "job asOf examined changed erasuresPending durationMs",
    }.items()
}


def is_open(key: tuple[str, str]) -> bool:
    """Whether the policy leaves a (type, field) open: to every caller (PUBLIC_ROOT_FIELDS)
    or to whoever reaches its record (OPEN_FIELDS)."""
    type_name, field_name = key
    return key in PUBLIC_ROOT_FIELDS or field_name in OPEN_FIELDS.get(type_name, ())


_RANK = {"full": 3, "masked": 2, "self": 1, "-": 0}


def cell_for(key: tuple[str, str], roles: Iterable[Role]) -> Cell:
    """The most generous cell any of the roles holds; DENIED when none holds one."""
    cells = POLICY[key]
    best = DENIED
    for role in roles:
        cell = cells.get(role, DENIED)
        if (_RANK[cell.kind], not cell.masked) > (_RANK[best.kind], not best.masked):
            best = cell
    return best
