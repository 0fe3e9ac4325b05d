"""EMAIL through a real SMTP server (aiosmtpd): the mail arrives with a Message-ID that
stays the same across retries; a permanent refusal fails, a transient one retries."""

from __future__ import annotations

from email import message_from_bytes

import httpx
import pytest

from models.delivery import Delivery
from models.enums import CommunicationCategory, ContactChannel, DeliveryStatus
from services.clock import utcnow
from services.communications import Broadcast, send_communication
from services.delivery.mail import smtp_server as parse_smtp_url
from tests.delivery.helpers import deliverer, settings_for, sink_lines, smtp_server
from tests.factories import make_member

WELCOME = Broadcast(ContactChannel.EMAIL, CommunicationCategory.NOTIFICATION, "Hello", "Welcome")


async def _queued_mail() -> tuple[str | None, Delivery]:
    member = await make_member(email="ada@example.com")
    await send_communication(WELCOME, utcnow(), staff_id=None, member_ids=[member.id])
    return member.email, await Delivery.get(member_id=member.id)


async def test_the_mail_arrives_at_the_smtp_server(tmp_path):
    address, delivery = await _queued_mail()
    with smtp_server() as (box, url):
        settings = settings_for(tmp_path, smtp_url=url, mail_from="club@shop.example")
        async with httpx.AsyncClient() as client:
            await deliverer(settings, client)(utcnow())
    (envelope,) = box.messages
    assert envelope.mail_from == "club@shop.example" and envelope.rcpt_tos == [address]
    mail = message_from_bytes(envelope.content)
    assert mail["Subject"] == "Welcome" and mail.get_payload().strip() == "Hello"
    assert mail["Message-ID"] == f"<delivery_{delivery.id}@shop.example>"
    assert (await Delivery.get(id=delivery.id)).status == DeliveryStatus.SENT
    assert sink_lines(tmp_path) == []


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        ("550 5.1.1 No such mailbox", DeliveryStatus.FAILED),
        ("451 4.3.0 Try again later", DeliveryStatus.QUEUED),
    ],
)
async def test_a_refusal_fails_or_retries_by_its_code(tmp_path, reply, status):
    _, delivery = await _queued_mail()
    with smtp_server() as (box, url):
        box.refusals.append(reply)
        async with httpx.AsyncClient() as client:
            await deliverer(settings_for(tmp_path, smtp_url=url), client)(utcnow())
    after = await Delivery.get(id=delivery.id)
    assert after.status == status and after.last_error.startswith(f"SMTP {reply[:3]}")
    assert box.messages == []


def test_smtp_urls_are_read_with_their_security_and_login():
    plain = parse_smtp_url("smtp://mail.local")
    assert (plain.port, plain.use_tls, plain.start_tls, plain.username) == (25, False, False, None)
    starttls = parse_smtp_url("smtp+starttls://ann:p%40ss@mail.local")
    assert (starttls.port, starttls.start_tls, starttls.password) == (587, True, "p@ss")
    tls = parse_smtp_url("smtps://ann:pw@mail.local:2465")
    assert (tls.port, tls.use_tls, tls.username) == (2465, True, "ann")
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.local")
