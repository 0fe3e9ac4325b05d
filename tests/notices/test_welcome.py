"""The welcome message names the benefits of the member's tier (DESIGN §8 "Notices")."""

from __future__ import annotations

from models.enums import ContactChannel, EnrollmentChannel
from models.member import Member
from services import members
from services.clock import utcnow
from tests.benefits.helpers import make_benefit
from tests.factories import make_tiers
from tests.notices.helpers import delivery_of, notices

WELCOME = "Welcome to memberhub"


async def _enrol(n: int, email: str | None) -> Member:
    profile = members.Profile(name="吴磊", phone=f"1370000{n:04d}", email=email)
    review = await members.enroll(profile, EnrollmentChannel.STORE, utcnow())
    return await Member.get(id=review.application.owner_member_id)


async def test_the_welcome_lists_the_benefits_of_the_tier_the_member_was_placed_in(db):
    # Given two benefits of the entry tier and one of the top tiers only,
    await make_benefit("LOUNGE", tier_codes=("REGULAR", "GOLD"))
    await make_benefit("CAKE", tier_codes=("REGULAR",))
    await make_benefit("BUTLER", tier_codes=("DIAMOND",))
    # when a member is enrolled (placed in the entry tier),
    member = await _enrol(1, "wu.lei@example.com")
    # then the welcome, sent by EMAIL with its delivery, names the entry tier's benefits only.
    (welcome,) = await notices(member.id, WELCOME)
    assert member.member_no in welcome.content
    assert "Cake; Lounge." in welcome.content
    assert "Butler" not in welcome.content
    assert welcome.channel is ContactChannel.EMAIL
    assert (await delivery_of(welcome)).channel is ContactChannel.EMAIL


async def test_a_welcome_without_email_goes_by_sms_and_names_the_tier_without_benefits(db):
    tiers = await make_tiers()
    member = await _enrol(2, None)
    (welcome,) = await notices(member.id, WELCOME)
    entry = next(tier for tier in tiers if tier.rank == 0)
    assert f"You are a {entry.name} member." in welcome.content
    assert welcome.channel is ContactChannel.SMS
    assert (await delivery_of(welcome)).channel is ContactChannel.SMS
