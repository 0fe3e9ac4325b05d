"""Benefits: the catalogue, eligibility and usage records (DESIGN §2 "Benefits").

Public functions other domains call:
- `revoke_member_usages(member_id, reason, now)`: revoke (and refund) a member's
  unused usages, for `suspendMember(revokeBenefits: true)`.
"""

from services.benefits.catalogue import (
    BenefitFields,
    benefits_of_tiers,
    birthday_benefits,
    is_active,
    list_benefits,
    tiers_of_benefits,
    upsert_benefit,
)
from services.benefits.eligibility import Eligibility, eligibility_for
from services.benefits.usage import revoke_member_usages, revoke_usage, use_benefit

__all__ = [
    "BenefitFields",
    "Eligibility",
    "benefits_of_tiers",
    "birthday_benefits",
    "eligibility_for",
    "is_active",
    "list_benefits",
    "revoke_member_usages",
    "revoke_usage",
    "tiers_of_benefits",
    "upsert_benefit",
    "use_benefit",
]
