"""Sending due deliveries to real receivers: the sink, a signed gateway POST verified
with the standardwebhooks package, retries, send-time checks (DESIGN §8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from models.communication import Communication
from models.delivery import Delivery
from models.enums import CommunicationCategory, ContactChannel, DeliveryStatus
from models.member import Member
from services.clock import as_utc, utcnow
from services.communications import Broadcast, send_communication
from services.delivery.gateway import Gateway
from services.delivery.rules import quiet_hours, quiet_until
from tests.delivery.helpers import HANG, SECRET, deliverer, receiver, settings_for, sink_lines
from tests.factories import make_member

SMS = Broadcast(ContactChannel.SMS, CommunicationCategory.NOTIFICATION, "Your points", "Points")
OFFER = Broadcast(ContactChannel.SMS, CommunicationCategory.MARKETING, "20% off", "Sale")
CARE = Broadcast(ContactChannel.SMS, CommunicationCategory.CARE, "We miss you", "Hello")


async def _queued(message: Broadcast = SMS, **member: Any) -> tuple[Member, Delivery]:
    someone = await make_member(**member)
    await send_communication(message, utcnow(), staff_id=None, member_ids=[someone.id])
    return someone, await Delivery.get(member_id=someone.id)


async def _state(delivery: Delivery) -> Delivery:
    return await Delivery.get(id=delivery.id)


async def test_with_nothing_configured_the_sink_receives_the_message(tmp_path):
    member, delivery = await _queued()
    async with httpx.AsyncClient() as client:
        deliver = deliverer(settings_for(tmp_path), client)
        assert await deliver(utcnow()) == 1
        assert await deliver(utcnow()) == 0
    (line,) = sink_lines(tmp_path)
    assert line["id"] == f"delivery_{delivery.id}"
    assert (line["channel"], line["to"], line["body"]) == ("SMS", member.phone, "Your points")
    assert line["memberNo"] == member.member_no
    done = await _state(delivery)
    assert (done.status, done.attempts, done.sent_at is not None) == (DeliveryStatus.SENT, 1, True)
    assert done.lease_owner is None and done.next_attempt_at is None


async def test_the_gateway_gets_a_signed_post_the_receiver_verifies(tmp_path):
    member, delivery = await _queued()
    with receiver() as got:
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            await deliverer(settings, client)(utcnow())
    assert got.rejected == 0
    ((webhook_id, body),) = got.received
    assert webhook_id == f"delivery_{delivery.id}"
    assert body["to"] == member.phone and body["subject"] == "Points"
    assert set(body) == {"channel", "to", "subject", "body", "communicationId", "memberNo"}
    assert (await _state(delivery)).status == DeliveryStatus.SENT
    assert sink_lines(tmp_path) == []


async def test_a_server_error_is_retried_with_the_same_id_until_sent(tmp_path):
    _, delivery = await _queued()
    with receiver() as got:
        got.answers = [500]
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            deliver = deliverer(settings, client)
            now = utcnow()
            await deliver(now)
            waiting = await _state(delivery)
            assert (waiting.status, waiting.attempts) == (DeliveryStatus.QUEUED, 1)
            assert waiting.last_error == "HTTP 500"
            # Backoff: not due at once, due after the first retry's longest wait.
            assert await deliver(now) == 0
            assert await deliver(now + timedelta(minutes=1, seconds=1)) == 1
    assert [webhook_id for webhook_id, _ in got.received] == [f"delivery_{delivery.id}"] * 2
    done = await _state(delivery)
    assert (done.status, done.attempts) == (DeliveryStatus.SENT, 2)


@pytest.mark.parametrize("status", [400, 404, 410])
async def test_a_client_error_fails_at_once(tmp_path, status):
    _, delivery = await _queued()
    with receiver() as got:
        got.answers = [status]
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            await deliverer(settings, client)(utcnow())
    failed = await _state(delivery)
    assert (failed.status, failed.last_error) == (DeliveryStatus.FAILED, f"HTTP {status}")
    assert failed.next_attempt_at is None


async def test_the_last_retryable_failure_is_final(tmp_path):
    _, delivery = await _queued()
    await Delivery.filter(id=delivery.id).update(attempts=11)
    with receiver() as got:
        got.answers = [429]
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            await deliverer(settings, client)(utcnow())
    failed = await _state(delivery)
    assert (failed.status, failed.attempts, failed.last_error) == (
        DeliveryStatus.FAILED,
        12,
        "HTTP 429",
    )


async def test_a_gateway_that_does_not_answer_in_time_is_tried_again(tmp_path):
    _, delivery = await _queued()
    with receiver() as got:
        got.answers = [HANG]
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            impatient = Gateway(got.url, SECRET, client, timeout=0.2)
            await deliverer(settings, client, SMS=impatient)(utcnow())
    waiting = await _state(delivery)
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.QUEUED, 1)
    assert waiting.last_error == "the gateway did not answer in time"


async def test_a_gateway_that_is_down_is_tried_again(tmp_path):
    _, delivery = await _queued()
    with receiver() as got:
        down = got.url
    settings = settings_for(tmp_path, sms_gateway_url=down, gateway_secret=SECRET)
    async with httpx.AsyncClient() as client:
        await deliverer(settings, client)(utcnow())
    waiting = await _state(delivery)
    assert waiting.status == DeliveryStatus.QUEUED
    assert waiting.last_error.startswith("the gateway could not be reached")


async def test_consent_withdrawn_between_queue_and_send_skips_marketing(tmp_path):
    member, delivery = await _queued(OFFER, marketing_sms=True)
    await Member.filter(id=member.id).update(marketing_sms=False)
    async with httpx.AsyncClient() as client:
        await deliverer(settings_for(tmp_path, quiet_hours="off"), client)(utcnow())
    skipped = await _state(delivery)
    assert skipped.status == DeliveryStatus.SKIPPED
    assert skipped.last_error == "The member withdrew consent to MARKETING by SMS."
    assert sink_lines(tmp_path) == []


async def test_a_message_without_an_address_is_skipped(tmp_path):
    member, delivery = await _queued()
    await Member.filter(id=member.id).update(phone=None)
    async with httpx.AsyncClient() as client:
        await deliverer(settings_for(tmp_path), client)(utcnow())
    skipped = await _state(delivery)
    assert (skipped.status, skipped.last_error) == (
        DeliveryStatus.SKIPPED,
        "The member has no address for SMS.",
    )


async def test_marketing_waits_out_the_quiet_hours(tmp_path):
    _, delivery = await _queued(OFFER, marketing_sms=True)
    settings = settings_for(tmp_path, quiet_hours="21-09", timezone="Asia/Shanghai")
    # 23:30 in Shanghai: quiet until 09:00 there, 01:00 UTC.
    late = utcnow().replace(hour=15, minute=30, second=0, microsecond=0) + timedelta(days=1)
    async with httpx.AsyncClient() as client:
        deliver = deliverer(settings, client)
        assert await deliver(late) == 1
        waiting = await _state(delivery)
        assert (waiting.status, waiting.attempts) == (DeliveryStatus.QUEUED, 0)
        until = as_utc(waiting.next_attempt_at)
        assert until == late.replace(hour=1, minute=0) + timedelta(days=1)
        assert await deliver(until) == 1
    assert (await _state(delivery)).status == DeliveryStatus.SENT


async def test_a_programme_s_message_waits_out_the_quiet_hours_and_asks_consent(tmp_path):
    # A care message is no MARKETING, but sent by a programme it reaches out unasked.
    member, delivery = await _queued(CARE, marketing_sms=True)
    await Communication.filter(id=delivery.communication_id).update(programme="CHURN_WARNING")
    settings = settings_for(tmp_path, quiet_hours="21-09", timezone="Asia/Shanghai")
    late = utcnow().replace(hour=15, minute=30, second=0, microsecond=0) + timedelta(days=1)
    async with httpx.AsyncClient() as client:
        deliver = deliverer(settings, client)
        assert await deliver(late) == 1
        waiting = await _state(delivery)
        assert (waiting.status, waiting.attempts) == (DeliveryStatus.QUEUED, 0)
        await Member.filter(id=member.id).update(marketing_sms=False)
        assert await deliver(as_utc(waiting.next_attempt_at)) == 1
    skipped = await _state(delivery)
    assert (skipped.status, skipped.last_error) == (
        DeliveryStatus.SKIPPED,
        "The member withdrew consent to the CHURN_WARNING programme by SMS.",
    )
    assert sink_lines(tmp_path) == []


def test_quiet_hours_read_and_decided():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert quiet_hours("off") is None
    noon = utcnow().replace(hour=4, minute=0, second=0, microsecond=0)  # 12:00 in Shanghai
    assert quiet_until(noon, quiet_hours("21-09"), shanghai) is None
    assert quiet_until(noon, quiet_hours("11-13"), shanghai) == noon.replace(hour=5)
    for bad in ("21", "9-9", "25-02", "x-y"):
        with pytest.raises(ValueError):
            quiet_hours(bad)


async def test_a_message_whose_every_attempt_killed_its_worker_fails(tmp_path):
    _, delivery = await _queued()
    await Delivery.filter(id=delivery.id).update(attempts=12)
    async with httpx.AsyncClient() as client:
        await deliverer(settings_for(tmp_path), client)(utcnow())
    failed = await _state(delivery)
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 13)
    assert sink_lines(tmp_path) == []
