"""The worker's webhook task (DESIGN §8): retried like messages, in order per member,
an endpoint failing for 24 hours disabled, and no requests into private networks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from core.settings import Settings, get_settings
from models.enums import DeliveryStatus
from models.webhook import WebhookDelivery, WebhookEndpoint
from services.clock import utcnow
from services.db import transaction
from services.errors import Invalid
from services.webhooks import create_endpoint, emit
from services.webhooks.addresses import address_problem, url_problem
from tests.delivery.helpers import receiver
from tests.factories import make_member
from tests.processes import free_port
from tests.webhooks.helpers import send_all


async def _event(member_id: int, points: int, now) -> None:
    async with transaction() as conn:
        await emit(conn, "points.posted", member_id, {"points": points}, now)


async def test_a_500_is_retried_with_backoff_then_sent_once(db):
    member = await make_member()
    now = utcnow()
    with receiver() as probe:
        registered = await create_endpoint(probe.url, ["points.posted"], None, now)
        probe.secret = registered.secret
        probe.answers = [500]
        await _event(member.id, 10, now)
        async with httpx.AsyncClient() as client:
            assert await send_all(client, now) == 1
            waiting = await WebhookDelivery.get()
            assert waiting.status == DeliveryStatus.QUEUED
            assert (waiting.attempts, waiting.response_status) == (1, 500)
            assert waiting.last_error == "HTTP 500"
            assert await send_all(client, now) == 0  # not due before its backoff
            assert await send_all(client, waiting.next_attempt_at) == 1
    sent = await WebhookDelivery.get()
    assert (sent.status, sent.attempts, sent.response_status) == (DeliveryStatus.SENT, 2, 200)
    # Both attempts carried the event's id: the receiver deduplicates on it.
    assert [event_id for event_id, _ in probe.received] == [sent.event_id] * 2
    assert (await WebhookEndpoint.get()).failing_since is None


async def test_a_member_s_later_event_waits_for_the_earlier_one(db):
    first, other = await make_member(), await make_member()
    now = utcnow()
    with receiver() as probe:
        registered = await create_endpoint(probe.url, ["points.posted"], None, now)
        probe.secret = registered.secret
        probe.answers = [503]
        for points in (1, 2, 3):
            await _event(first.id, points, now)
        await _event(other.id, 9, now)
        async with httpx.AsyncClient() as client:
            # The first member's first event fails; the others of that member wait,
            # another member's event does not.
            assert await send_all(client, now) == 2
            later = now + timedelta(days=1)
            assert await send_all(client, later) == 3
    got = [(body["data"]["memberNo"], body["data"]["points"]) for _, body in probe.received]
    assert got == [
        (first.member_no, 1),
        (other.member_no, 9),
        (first.member_no, 1),
        (first.member_no, 2),
        (first.member_no, 3),
    ]


async def test_an_endpoint_failing_for_24_hours_is_disabled_and_its_queue_cancelled(db):
    member = await make_member()
    start = utcnow()
    down = f"http://127.0.0.1:{free_port()}/hooks"  # nothing listens there
    await create_endpoint(down, ["points.posted"], None, start)
    await _event(member.id, 1, start)
    await _event(member.id, 2, start)
    async with httpx.AsyncClient() as client:
        assert await send_all(client, start) == 1
        endpoint = await WebhookEndpoint.get()
        assert endpoint.enabled and endpoint.failing_since is not None
        assert await send_all(client, start + timedelta(hours=23)) == 1
        assert (await WebhookEndpoint.get()).enabled
        assert await send_all(client, start + timedelta(hours=25)) == 1
    endpoint = await WebhookEndpoint.get()
    assert not endpoint.enabled
    assert endpoint.disabled_reason.startswith("Every delivery attempt failed for 24 hours")
    assert "could not be reached" in endpoint.disabled_reason
    statuses = await WebhookDelivery.all().order_by("id").values_list("status", flat=True)
    assert statuses == [DeliveryStatus.CANCELLED, DeliveryStatus.CANCELLED]
    await _event(member.id, 3, start + timedelta(hours=26))
    assert await WebhookDelivery.all().count() == 2  # a disabled endpoint gets no events


def _production(allow_private: str = "off") -> Settings:
    return replace(get_settings(), env="production", webhook_allow_private=allow_private)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
    ],
)
async def test_production_refuses_loopback_link_local_and_private_addresses(url):
    assert url_problem(url, _production()) is None
    assert "loopback, link-local or private" in (await address_problem(url, _production()))
    assert await address_problem(url, _production("on")) is None
    assert await address_problem(url, get_settings()) is None  # development


async def test_production_takes_https_only():
    assert url_problem("http://crm.example.com/hooks", _production()) == "The URL must be https."
    assert url_problem("http://127.0.0.1/hooks", get_settings()) is None


async def test_registration_refuses_a_private_address_in_production(db, monkeypatch):
    monkeypatch.setattr("services.webhooks.endpoints.get_settings", _production)
    with pytest.raises(Invalid) as refused:
        await create_endpoint("https://127.0.0.1:8443/hooks", ["points.posted"], None, utcnow())
    assert refused.value.field == ["input", "url"]
    allowing = lambda: _production("on")  # noqa: E731
    monkeypatch.setattr("services.webhooks.endpoints.get_settings", allowing)
    await create_endpoint("https://127.0.0.1:8443/hooks", ["points.posted"], None, utcnow())


async def test_the_address_is_checked_again_when_sending(db):
    # Registered when allowed; the host's address is refused by the time it is sent to
    # (as after DNS rebinding): nothing is posted, the attempt fails and is retried.
    member = await make_member()
    now = utcnow()
    with receiver() as probe:
        registered = await create_endpoint(probe.url, ["points.posted"], None, now)
        probe.secret = registered.secret
        await _event(member.id, 1, now)
        async with httpx.AsyncClient() as client:
            assert await send_all(client, now, env="production") == 1
    assert probe.received == []
    waiting = await WebhookDelivery.get()
    assert waiting.status == DeliveryStatus.QUEUED
    assert "loopback, link-local or private" in waiting.last_error
