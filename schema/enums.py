"""The domain enums exposed to GraphQL (defined once, in models/enums.py), each with
what it and every one of its values mean to a client."""

from enum import Enum
from typing import TypeVar

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
