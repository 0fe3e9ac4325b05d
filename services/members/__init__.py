"""Members (DESIGN §2): enrollment, profile, consents, suspension, termination and erasure."""

from services.members.enrollment import (
    Review,
    activate_membership,
    apply_for_membership,
    enroll,
    review_application,
)
from services.members.erasure import retrying_scrubs, scrub_storage, watch_scrubs
from services.members.lifecycle import (
    Termination,
    reinstate_member,
    run_terminations,
    suspend_member,
    terminate_membership,
)
from services.members.profile import Profile
from services.members.search import (
    MemberFilter,
    applications,
    change_requests,
    count_members,
    count_tag_search,
    filter_members,
    order_members,
)
from services.members.updates import (
    confirm_profile,
    request_profile_change,
    review_profile_change,
    set_consents,
    update_member,
)

__all__ = [
    "MemberFilter",
    "Profile",
    "Review",
    "Termination",
    "activate_membership",
    "applications",
    "apply_for_membership",
    "enroll",
    "change_requests",
    "count_members",
    "count_tag_search",
    "confirm_profile",
    "filter_members",
    "order_members",
    "reinstate_member",
    "request_profile_change",
    "review_application",
    "retrying_scrubs",
    "review_profile_change",
    "run_terminations",
    "scrub_storage",
    "set_consents",
    "suspend_member",
    "terminate_membership",
    "update_member",
    "watch_scrubs",
]
