"""Demo work waiting for staff review, filed through services/members: membership
applications (from the app and the website, and entered by staff at a counter, a call
centre, an event or a partner) and members' profile-change requests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.seed import living_members
from app.seed_members import demo_profile
from models.enums import EnrollmentChannel, Role
from models.staff import StaffUser
from services import members
from services.clock import local_date, utcnow
from services.errors import Duplicate

PENDING_APPLICATIONS = 8
PROFILE_CHANGES = 4
# Who files an application on each channel: the applicant from their own address, or a
# staff member from the office's (documentation addresses, RFC 5737).
SELF_SERVICE = (EnrollmentChannel.APP, EnrollmentChannel.ONLINE)
ASSISTED = (
    EnrollmentChannel.STORE,
    EnrollmentChannel.CUSTOMER_SERVICE,
    EnrollmentChannel.EVENT,
    EnrollmentChannel.PARTNER,
)
OFFICE_ADDRESS = "203.0.113.20"


async def seed(
    member_ids: list[int], staff: list[StaffUser], *, seed_value: int = 7
) -> tuple[int, int]:
    """File PENDING_APPLICATIONS applications over the last four days, and a profile-change
    request of PROFILE_CHANGES living members (the first of `member_ids` among them).
    How many applications and requests were filed."""
    rng = random.Random(seed_value)
    now = utcnow()
    clerk = next(s for s in staff if Role.SERVICE.value in s.roles)
    times = sorted(now - timedelta(hours=rng.uniform(1, 96)) for _ in range(PENDING_APPLICATIONS))
    for n, submitted in enumerate(times):
        await _apply(rng, n, submitted, clerk.id)
    living = [member_id for (member_id,) in await living_members(member_ids, "id")]
    first, rest = living[:1], living[1:]
    changing = first + rng.sample(rest, min(PROFILE_CHANGES - 1, len(rest)))
    for member_id in changing:
        await _request_change(rng, member_id, now - timedelta(hours=rng.uniform(1, 48)))
    return len(times), len(changing)


async def _apply(rng: random.Random, n: int, submitted: datetime, clerk_id: int) -> None:
    assisted = n % 2 == 1
    channel = ASSISTED[n // 2 % len(ASSISTED)] if assisted else SELF_SERVICE[n // 2 % 2]
    while True:
        try:
            await members.apply_for_membership(
                demo_profile(rng, local_date(submitted)),
                channel,
                submitted,
                client=OFFICE_ADDRESS if assisted else f"198.51.100.{10 + n}",
                staff_id=clerk_id if assisted else None,
            )
            return
        except Duplicate:
            continue  # a random phone or ID number already taken: draw another person


async def _request_change(rng: random.Random, member_id: int, submitted: datetime) -> None:
    moved = demo_profile(rng, local_date(submitted))
    if rng.random() < 0.5 or moved.email is None:
        change, reason = members.Profile(address=moved.address), "Moved house"
    else:
        change, reason = members.Profile(email=moved.email), "New email address"
    await members.request_profile_change(member_id, change, reason, submitted)
