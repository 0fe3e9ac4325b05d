"""The domain enums exposed to GraphQL (defined once, in models/enums.py)."""

import strawberry

from models import enums

Role = strawberry.enum(enums.Role)
MemberStatus = strawberry.enum(enums.MemberStatus)
Gender = strawberry.enum(enums.Gender)
EnrollmentChannel = strawberry.enum(enums.EnrollmentChannel)
TerminationReason = strawberry.enum(enums.TerminationReason)
ApplicationStatus = strawberry.enum(enums.ApplicationStatus)
ReviewDecision = strawberry.enum(enums.ReviewDecision)
TierChangeReason = strawberry.enum(enums.TierChangeReason)
PointsEntryKind = strawberry.enum(enums.PointsEntryKind)
RedemptionPurpose = strawberry.enum(enums.RedemptionPurpose)
BenefitCategory = strawberry.enum(enums.BenefitCategory)
BenefitPeriod = strawberry.enum(enums.BenefitPeriod)
TagCategory = strawberry.enum(enums.TagCategory)
TagStatus = strawberry.enum(enums.TagStatus)
TagSource = strawberry.enum(enums.TagSource)
ContactChannel = strawberry.enum(enums.ContactChannel)
Direction = strawberry.enum(enums.Direction)
CommunicationCategory = strawberry.enum(enums.CommunicationCategory)
CaseKind = strawberry.enum(enums.CaseKind)
CaseStatus = strawberry.enum(enums.CaseStatus)
AuditOutcome = strawberry.enum(enums.AuditOutcome)
MemberOrderField = strawberry.enum(enums.MemberOrderField)
OrderDirection = strawberry.enum(enums.OrderDirection)
