"""Every event memberhub emits is queued where its change happens (DESIGN §8), with ids,
codes, amounts and times only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from core.settings import get_settings
from models.enums import CaseKind, ContactChannel, TerminationReason
from models.webhook import WebhookDelivery
from services.benefits import use_benefit
from services.cases import CaseOpening, open_service_case
from services.clock import utcnow
from services.communications import notify
from services.db import transaction
from services.members import reinstate_member, suspend_member, terminate_membership
from services.webhooks import EVENT_TYPES, create_endpoint
from tests.benefits.helpers import give_points, make_benefit
from tests.delivery.helpers import deliverer
from tests.factories import make_member

NAME = "王五"
PHONE = "13900001111"
EMAIL = "wang.wu@example.com"


async def _types() -> list[Any]:
    return list(await WebhookDelivery.all().order_by("id").values_list("event_type", flat=True))


async def test_a_member_s_life_reaches_the_endpoint_without_personal_data(db):
    now = utcnow()
    await create_endpoint("http://127.0.0.1:9/hooks", list(EVENT_TYPES), None, now)
    await make_benefit("LOUNGE", points_cost=5)
    member = await make_member(name=NAME, phone=PHONE, email=EMAIL)
    await give_points(member.id, 20)
    await use_benefit(member.id, "LOUNGE", "use-1", now, note=f"for {NAME}")
    await open_service_case(
        CaseOpening(member.id, CaseKind.COMPLAINT, ContactChannel.PHONE, "Late", f"{NAME} says"),
        now,
        staff_id=None,
    )
    await suspend_member(member.id, f"{NAME} asked", now)
    await reinstate_member(member.id, now)
    await terminate_membership(member.id, TerminationReason.VOLUNTARY, now)
    assert await _types() == [
        "points.posted",
        "benefit.used",
        "points.posted",
        "case.opened",
        "member.suspended",
        "member.reinstated",
        "points.posted",
        "member.terminated",
    ]
    payloads = await WebhookDelivery.all().values_list("payload", flat=True)
    for payload in payloads:
        assert not any(value in str(payload) for value in (NAME, PHONE, EMAIL)), payload
        assert payload["data"]["memberNo"] == member.member_no


async def test_a_failed_delivery_is_an_event_too(db):
    # A notice with nothing configured to send it (sink off) fails for good at once.
    now = utcnow()
    await create_endpoint("http://127.0.0.1:9/hooks", ["delivery.failed"], None, now)
    member = await make_member(email="x@example.com")
    async with transaction() as conn:
        await notify(member.id, "Hello", "Hi", now, using_db=conn)
    async with httpx.AsyncClient() as client:
        send = deliverer(replace(get_settings(), delivery_sink="off"), client)
        assert await send(now) == 1
    [event] = await WebhookDelivery.all()
    assert event.event_type == "delivery.failed"
    data = event.payload["data"]
    assert data["channel"] in {"EMAIL", "SMS", "APP_PUSH"} and data["attempts"] == 1
    assert set(data) == {
        "memberId",
        "memberNo",
        "deliveryId",
        "communicationId",
        "channel",
        "attempts",
    }
