"""The profile reminder and the birthday greeting (DESIGN §10)."""

from __future__ import annotations

from datetime import date, timedelta

from core.ids import to_global_id
from models.benefit import Benefit, BenefitTier
from models.enums import (
    BenefitCategory,
    BenefitPeriod,
    CommunicationCategory,
    ProgrammeCode,
    Role,
)
from models.member import Member
from services.clock import local_date
from services.members import confirm_profile
from services.programmes.audience import local_day
from tests.factories import make_tiers
from tests.programmes.helpers import AS_OF, DAY, make_member, messaged, run, settle

UPDATE_MEMBER = """
mutation($input: UpdateMemberInput!) { updateMember(input: $input) { errors { code } } }
"""
REMINDER = ProgrammeCode.PROFILE_REMINDER
GREETING = ProgrammeCode.BIRTHDAY_GREETING


async def test_members_unconfirmed_for_twelve_months_are_reminded(db):
    await settle(REMINDER)
    year_ago_day, _ = local_day(local_date(AS_OF).replace(year=2025))
    old = await make_member(joined_at=year_ago_day + timedelta(hours=1))
    recent = await make_member(joined_at=year_ago_day + DAY)
    confirmed = await make_member(joined_at=AS_OF - 900 * DAY)
    await confirm_profile(confirmed.id, AS_OF - 100 * DAY)
    stale = await make_member(joined_at=AS_OF - 900 * DAY, profile_confirmed_at=AS_OF - 400 * DAY)

    result = await run(REMINDER)

    assert result.contacted == 2
    (message,) = await messaged(old.id)
    assert message.category == CommunicationCategory.NOTIFICATION
    assert len(await messaged(stale.id)) == 1
    assert await messaged(recent.id) == [] and await messaged(confirmed.id) == []


async def test_a_profile_change_confirms_the_profile(db, as_role):
    member = await make_member(joined_at=AS_OF - 900 * DAY)
    service = await as_role(Role.SERVICE)
    variables = {"input": {"id": to_global_id("Member", member.id), "name": "李四"}}
    result = await service(UPDATE_MEMBER, variables)
    assert result["data"]["updateMember"]["errors"] == []
    assert (await Member.get(id=member.id)).profile_confirmed_at is not None


async def birthday_member(born: date, **extra):
    return await make_member(birth_date=born, joined_at=AS_OF - 900 * DAY, **extra)


async def test_members_whose_birthday_it_is_get_a_greeting_naming_their_benefits(db):
    await settle(GREETING)
    tiers = await make_tiers()
    gift = await Benefit.create(
        code="BDAY-CAKE",
        name="Birthday cake",
        category=BenefitCategory.BIRTHDAY,
        usage_limit=1,
        usage_period=BenefitPeriod.YEAR,
    )
    await BenefitTier.create(benefit=gift, tier=tiers[0])
    today = local_date(AS_OF)
    celebrating = await birthday_member(today.replace(year=1990), marketing_email=True)
    not_today = await birthday_member(
        (today - timedelta(days=1)).replace(year=1990), marketing_email=True
    )
    no_consent = await birthday_member(today.replace(year=1985), marketing_email=False)

    result = await run(GREETING)

    assert (result.contacted, result.skipped) == (1, 1)
    (message,) = await messaged(celebrating.id)
    assert message.category == CommunicationCategory.MARKETING
    assert "Birthday cake" in (message.content or "")
    assert await messaged(not_today.id) == [] and await messaged(no_consent.id) == []


async def test_the_29th_of_february_is_celebrated_on_the_28th_in_common_years(db):
    await settle(GREETING)
    leapling = await birthday_member(date(2000, 2, 29), marketing_email=True)
    # 28 February 2027, 10:00 in Shanghai; and 2028, a leap year
    common = AS_OF.replace(year=2027, month=2, day=28)
    assert (await run(GREETING, common)).contacted == 1
    assert (await run(GREETING, AS_OF.replace(year=2028, month=2, day=28))).contacted == 0
    assert (await run(GREETING, AS_OF.replace(year=2028, month=2, day=29))).contacted == 1
    assert len(await messaged(leapling.id)) == 2
