"""sendCommunication over GraphQL: consent, terminated members, audiences, batching."""

from __future__ import annotations

import time

from models.communication import Communication
from models.enums import CommunicationCategory, EnrollmentChannel, MemberStatus, Role
from models.member import Member
from services.clock import utcnow
from tests.communications.helpers import SEND, codes, member_gid, ok, top_codes
from tests.factories import make_member, make_tiers
from tests.sql_counter import count_sql


def _send(**extra):
    values = {"channel": "SMS", "category": "MARKETING", "subject": "Sale", "content": "20% off"}
    return {"input": {**values, **extra}}


async def test_marketing_goes_only_to_members_consenting_on_that_channel(as_role):
    sms = await make_member(marketing_sms=True)
    email_only = await make_member(marketing_email=True)
    nobody = await make_member()
    marketing = await as_role(Role.MARKETING)
    ids = [member_gid(m) for m in (sms, email_only, nobody)]
    body = ok(await marketing(SEND, _send(memberIds=ids)), "sendCommunication")
    assert (body["sent"], body["skippedNoConsent"]) == (1, 2)
    assert await Communication.filter(member_id=sms.id, category="MARKETING").count() == 1
    assert await Communication.filter(member_id__in=[email_only.id, nobody.id]).count() == 0


async def test_channels_without_a_consent_never_carry_marketing(as_role):
    member = await make_member(marketing_sms=True, marketing_email=True)
    body = ok(
        await (await as_role(Role.ADMIN))(
            SEND, _send(memberIds=[member_gid(member)], channel="STORE")
        ),
        "sendCommunication",
    )
    assert (body["sent"], body["skippedNoConsent"]) == (0, 1)


async def test_notifications_reach_everyone_but_the_terminated(as_role):
    active = await make_member()
    suspended = await make_member(status=MemberStatus.SUSPENDED)
    terminated = await make_member(status=MemberStatus.TERMINATED, marketing_sms=True)
    service = await as_role(Role.SERVICE)
    ids = [member_gid(m) for m in (active, suspended, terminated)]
    body = ok(
        await service(SEND, _send(memberIds=ids, category="NOTIFICATION")), "sendCommunication"
    )
    assert (body["sent"], body["skippedNoConsent"]) == (2, 1)
    assert await Communication.filter(member_id=terminated.id).count() == 0


async def test_terminated_members_get_no_marketing_even_with_consent(as_role):
    terminated = await make_member(status=MemberStatus.TERMINATED, marketing_sms=True)
    body = ok(
        await (await as_role(Role.MARKETING))(SEND, _send(memberIds=[member_gid(terminated)])),
        "sendCommunication",
    )
    assert (body["sent"], body["skippedNoConsent"]) == (0, 1)


async def test_send_to_a_member_filter(as_role):
    tiers = await make_tiers()
    silver = [await make_member(tier=tiers[1], marketing_push=True) for _ in range(3)]
    await make_member(tier=tiers[1])
    await make_member(tier=tiers[0], marketing_push=True)
    variables = _send(filter={"tierCodes": [tiers[1].code]}, channel="APP_PUSH")
    body = ok(await (await as_role(Role.MARKETING))(SEND, variables), "sendCommunication")
    assert (body["sent"], body["skippedNoConsent"]) == (3, 1)
    assert set(await Communication.all().values_list("member_id", flat=True)) == {
        m.id for m in silver
    }


async def test_audience_must_be_ids_or_a_filter(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    for extra in ({}, {"memberIds": [member_gid(member)], "filter": {}}, {"memberIds": []}):
        result = await admin(SEND, _send(**extra))
        assert codes(result, "sendCommunication") == ["INVALID"], extra
    unknown = await admin(SEND, _send(memberIds=["TWVtYmVyOjk5OTk="]))
    assert codes(unknown, "sendCommunication") == ["NOT_FOUND"]
    empty = await admin(SEND, _send(memberIds=[member_gid(member)], content="  "))
    assert codes(empty, "sendCommunication") == ["INVALID"]
    assert await Communication.all().count() == 0


async def test_marketing_staff_send_marketing_only(as_role):
    member = await make_member()
    result = await (await as_role(Role.MARKETING))(
        SEND, _send(memberIds=[member_gid(member)], category="CARE")
    )
    assert top_codes(result) == {"FORBIDDEN"}
    assert await Communication.all().count() == 0


async def _many_members(count: int, consenting_every: int) -> None:
    tier = (await make_tiers())[0]
    now = utcnow()
    rows = [
        Member(
            member_no=f"B{n:08d}",
            enrollment_channel=EnrollmentChannel.APP,
            joined_at=now,
            tier=tier,
            marketing_email=n % consenting_every == 0,
        )
        for n in range(count)
    ]
    await Member.bulk_create(rows, batch_size=1000)


async def test_ten_thousand_members_are_sent_in_batches(as_role):
    # Given 10,000 members, a quarter consenting to marketing e-mail
    await _many_members(10_000, consenting_every=4)
    marketing = await as_role(Role.MARKETING)
    # When a filter send reaches all of them
    started = time.perf_counter()
    async with count_sql() as counter:
        body = ok(await marketing(SEND, _send(filter={}, channel="EMAIL")), "sendCommunication")
    elapsed = time.perf_counter() - started
    # Then each consenting member gets one message, in a handful of statements
    assert (body["sent"], body["skippedNoConsent"]) == (2_500, 7_500)
    assert await Communication.filter(category=CommunicationCategory.MARKETING).count() == 2_500
    assert counter.count < 40, counter.statements[:50]
    print(f"10,000-member send: {elapsed:.2f} s, {counter.count} statements")
