"""The churn warning (DESIGN §10): AT_RISK members get a CARE message, through the outbox,
once per cool-down, only to members who consent to the channel, a coupon or not."""

from __future__ import annotations

from models.enums import CommunicationCategory, ContactChannel, MemberStatus, ProgrammeCode
from models.member import Member
from services.delivery.rules import skip_reason
from services.members import set_consents
from tests.programmes.helpers import AS_OF, DAY, make_member, messaged, queued, run, settle

CODE = ProgrammeCode.CHURN_WARNING


async def at_risk(**extra):
    return await make_member(
        joined_at=AS_OF - 400 * DAY, last_purchase_at=AS_OF - 100 * DAY, **extra
    )


async def test_at_risk_members_get_a_care_message_in_the_outbox(db):
    await settle(CODE)
    drifting = await at_risk()
    active = await make_member(joined_at=AS_OF - 400 * DAY, last_purchase_at=AS_OF - 10 * DAY)
    churned = await make_member(joined_at=AS_OF - 400 * DAY, last_purchase_at=AS_OF - 200 * DAY)

    result = await run(CODE)

    assert (result.contacted, result.held_out, result.skipped) == (1, 0, 0)
    (message,) = await messaged(drifting.id)
    assert message.category == CommunicationCategory.CARE
    assert message.channel == ContactChannel.EMAIL
    assert "张三" in (message.content or "")
    assert await queued(drifting.id) == 1
    assert await messaged(active.id) == [] and await messaged(churned.id) == []


async def test_suspended_and_terminated_members_leave_the_programme(db):
    await settle(CODE)
    await at_risk(status=MemberStatus.SUSPENDED)
    await at_risk(status=MemberStatus.TERMINATED)
    await at_risk(status=MemberStatus.TERMINATING)
    assert (await run(CODE)).contacted == 0


async def test_a_member_contacted_within_the_cool_down_is_not_selected_again(db):
    await settle(CODE, cool_down_days=30)
    member = await at_risk()
    assert (await run(CODE)).contacted == 1
    assert (await run(CODE, AS_OF + 29 * DAY)).contacted == 0
    assert (await run(CODE, AS_OF + 30 * DAY)).contacted == 1
    assert len(await messaged(member.id)) == 2


async def test_a_second_run_for_the_same_as_of_sends_nothing_new(db):
    await settle(CODE, holdout_share=0.5)
    members = [await at_risk() for _ in range(20)]
    first = await run(CODE)
    again = await run(CODE)
    assert first.contacted + first.held_out == 20
    assert (again.contacted, again.held_out) == (0, 0)
    assert sum([await queued(m.id) for m in members]) == first.contacted


async def test_only_members_consenting_to_the_channel_get_it_with_its_coupon(db):
    await settle(CODE, benefit_code="COMEBACK10")
    consenting = await at_risk(marketing_email=True)
    withdrawn = await at_risk(marketing_email=False)
    sms_only = await at_risk(email=None, marketing_sms=True)
    sms_only.email = None
    await sms_only.save()

    result = await run(CODE)

    assert (result.contacted, result.skipped) == (2, 1)
    (message,) = await messaged(consenting.id)
    assert (message.category, message.programme) == (CommunicationCategory.CARE, CODE.value)
    assert "COMEBACK10" in (message.content or "")
    assert await messaged(withdrawn.id) == []
    (texted,) = await messaged(sms_only.id)
    assert texted.channel == ContactChannel.SMS


async def test_without_a_coupon_it_still_needs_consent(db):
    await settle(CODE)
    member = await at_risk(marketing_email=False, marketing_sms=False)
    assert ((await run(CODE)).contacted, (await run(CODE)).skipped) == (0, 1)
    assert await messaged(member.id) == []


async def test_consent_withdrawn_after_the_run_stops_the_queued_message(db):
    # Given a care message queued for a consenting member
    await settle(CODE)
    member = await at_risk(marketing_email=True)
    await run(CODE)
    (message,) = await messaged(member.id)
    # When they withdraw consent before it is sent, the outbox skips it at send time
    await set_consents(member.id, {"marketing_email": False}, AS_OF)
    reason = skip_reason(await Member.get(id=member.id), message)
    assert reason == "The member withdrew consent to the CHURN_WARNING programme by EMAIL."
    # And the next run does not select them
    assert (await run(CODE, AS_OF + 60 * DAY)).skipped == 1
