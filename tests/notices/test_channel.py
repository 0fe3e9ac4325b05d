"""Which channel a notice memberhub sends itself goes on (DESIGN §8 "Notices")."""

from __future__ import annotations

from models.communication import Communication
from models.enums import ContactChannel, DeliveryStatus, TerminationReason
from models.member import Member
from services import communications, members
from services.clock import utcnow
from services.db import transaction
from tests.factories import make_member
from tests.notices.helpers import delivery_of, notices


async def _notify(member_id: int) -> Communication:
    async with transaction() as conn:
        return await communications.notify(member_id, "Hello", "Hi", utcnow(), using_db=conn)


async def test_a_member_with_an_email_address_is_notified_by_email(db):
    member = await make_member(email="wang@example.com")
    notice = await _notify(member.id)
    assert notice.channel is ContactChannel.EMAIL
    delivery = await delivery_of(notice)
    assert (delivery.channel, delivery.status) == (ContactChannel.EMAIL, DeliveryStatus.QUEUED)


async def test_a_member_without_an_email_address_is_notified_by_sms(db):
    member = await make_member()
    await Member.filter(id=member.id).update(email=None)
    notice = await _notify(member.id)
    assert notice.channel is ContactChannel.SMS
    assert (await delivery_of(notice)).channel is ContactChannel.SMS


async def test_the_termination_notice_follows_the_same_choice(db):
    # Given one member with an email address and one without,
    with_email = await make_member()
    without = await make_member()
    await Member.filter(id=without.id).update(email=None)
    # when both are given the default notice of a termination,
    for member in (with_email, without):
        await members.terminate_membership(member.id, TerminationReason.VIOLATION, utcnow())
    # then the first is told by EMAIL and the second by SMS, each with its delivery.
    told = [(await notices(member.id))[0] for member in (with_email, without)]
    assert [notice.channel for notice in told] == [ContactChannel.EMAIL, ContactChannel.SMS]
    assert [(await delivery_of(notice)).channel for notice in told] == [
        ContactChannel.EMAIL,
        ContactChannel.SMS,
    ]
