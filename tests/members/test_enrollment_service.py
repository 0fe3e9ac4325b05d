"""services/members enrollment called directly: the rate-limit window and enroll()."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.settings import get_settings
from models.enums import EnrollmentChannel, MemberStatus
from models.member import Member, RateLimitHit
from services import members
from services.clock import utcnow
from services.errors import RateLimited


def _profile(n: int) -> members.Profile:
    return members.Profile(name="吴磊", phone=f"1370000{n:04d}")


async def test_the_rate_limit_window_slides_and_old_hits_are_cleared(tiers):
    limit = get_settings().apply_rate_limit
    earlier = utcnow() - timedelta(hours=2)
    for n in range(limit):
        await members.apply_for_membership(
            _profile(n), EnrollmentChannel.APP, earlier, client="192.0.2.1"
        )
    with pytest.raises(RateLimited):
        await members.apply_for_membership(
            _profile(99), EnrollmentChannel.APP, earlier, client="192.0.2.1"
        )
    # Two hours later the address may apply again, and only the new hit is kept.
    await members.apply_for_membership(
        _profile(99), EnrollmentChannel.APP, utcnow(), client="192.0.2.1"
    )
    assert await RateLimitHit.all().count() == 1


async def test_staff_assisted_enrollment_approves_at_once(tiers):
    review = await members.enroll(
        _profile(1),
        EnrollmentChannel.STORE,
        utcnow(),
        consents={"marketing_sms": True, "profiling": None},
    )
    member = await Member.get(id=review.application.owner_member_id)
    assert member.status is MemberStatus.ACTIVE and member.marketing_sms is True
    assert member.profiling is False and review.activation_code
