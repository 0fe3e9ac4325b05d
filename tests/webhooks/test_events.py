"""Events from real operations reach a registered receiver, signed (DESIGN §8): the
receiver verifies each with standardwebhooks.Webhook(secret).verify."""

from __future__ import annotations

import httpx

from models.enums import DeliveryStatus, Role
from models.webhook import WebhookDelivery, WebhookEndpoint
from services import limits
from services.clock import utcnow
from tests.delivery.helpers import receiver
from tests.members.conftest import enroll
from tests.points.helpers import RECORD
from tests.webhooks.helpers import CREATE, ENDPOINTS, register, send_all

PERSONAL = ("李小红", "13812345678", "xiaohong.li@example.com")


async def test_enrolment_and_a_promoting_purchase_reach_the_receiver_signed(api, as_role, reviewer):
    admin = await as_role(Role.ADMIN)
    with receiver() as probe:
        created = await register(admin, probe.url)
        assert created["errors"] == [] and created["secret"].startswith("whsec_")
        probe.secret = created["secret"]
        member = (await enroll(api, reviewer))["application"]["member"]
        operations = await as_role(Role.OPERATIONS)
        for order in ("W-1", "W-2"):  # SILVER takes 2,000 in two orders
            bought = await operations(
                RECORD, {"input": {"memberId": member["id"], "orderRef": order, "amount": "1500"}}
            )
        assert bought["data"]["recordPurchase"]["tierChange"]["to"]["code"] == "SILVER"
        async with httpx.AsyncClient() as client:
            assert await send_all(client, utcnow()) == 4
    assert probe.rejected == 0
    types = [body["type"] for _, body in probe.received]
    assert types == ["member.enrolled", "points.posted", "points.posted", "tier.changed"]
    for event_id, body in probe.received:
        assert event_id.startswith("evt_")
        assert body["data"]["memberId"] == member["id"]
        assert body["data"]["memberNo"] == member["memberNo"]
        assert not any(value in str(body) for value in PERSONAL)
    by_type = {body["type"]: body["data"] for _, body in probe.received}
    assert by_type["tier.changed"]["toTierCode"] == "SILVER"
    assert by_type["points.posted"]["kind"] == "EARN"
    log = (await admin(ENDPOINTS))["data"]["webhookEndpoints"][0]["deliveries"]
    assert log["totalCount"] == 4
    assert {edge["node"]["status"] for edge in log["edges"]} == {"SENT"}
    assert {edge["node"]["responseStatus"] for edge in log["edges"]} == {200}


async def test_only_subscribed_enabled_endpoints_get_an_event(api, as_role, reviewer):
    admin = await as_role(Role.ADMIN)
    wanted = await register(admin, "http://127.0.0.1:9/a", ["member.enrolled"])
    await register(admin, "http://127.0.0.1:9/b", ["case.opened"])
    disabled = await register(admin, "http://127.0.0.1:9/c", ["member.enrolled"])
    await admin(
        "mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, enabled: false}) "
        "{ endpoint { enabled disabledReason } errors { code } } }",
        {"id": disabled["endpoint"]["id"]},
    )
    await enroll(api, reviewer)
    rows = await WebhookDelivery.all().prefetch_related("endpoint")
    assert [row.endpoint.url for row in rows] == [wanted["endpoint"]["url"]]
    assert rows[0].status == DeliveryStatus.QUEUED


async def test_the_secret_is_shown_once_and_stored_unreadable(as_role):
    admin = await as_role(Role.ADMIN)
    created = await register(admin, "https://crm.example.com/hooks")
    stored = await WebhookEndpoint.get()
    assert created["secret"] not in stored.secret
    listed = await admin("{ webhookEndpoints { secret } }")
    assert listed["errors"][0]["message"].startswith("Cannot query field 'secret'")
    rotated = await admin(
        "mutation($id: ID!) { rotateWebhookSecret(input: {id: $id}) { secret errors { code } } }",
        {"id": created["endpoint"]["id"]},
    )
    secret = rotated["data"]["rotateWebhookSecret"]["secret"]
    assert secret.startswith("whsec_") and secret != created["secret"]


async def test_webhooks_are_for_admin_only(as_role):
    for role in (Role.OPERATIONS, Role.SERVICE, Role.MARKETING, Role.ANALYST):
        caller = await as_role(role)
        listed = await caller("{ webhookEndpoints { id } }")
        assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        created = await caller(
            CREATE, {"input": {"url": "https://x.example.com", "events": ["points.posted"]}}
        )
        assert created["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await WebhookEndpoint.all().count() == 0


async def test_unknown_event_types_and_bad_urls_are_invalid(as_role):
    admin = await as_role(Role.ADMIN)
    unknown = await register(admin, "https://x.example.com", ["member.renamed"])
    assert unknown["errors"][0]["code"] == "INVALID"
    assert unknown["errors"][0]["field"] == ["input", "events"]
    for url in ("ftp://x.example.com", "https://", "not a url", "https://u:p@x.example.com"):
        refused = await register(admin, url)
        assert refused["errors"][0]["code"] == "INVALID", url
        assert refused["errors"][0]["field"] == ["input", "url"]


async def test_deleting_an_endpoint_removes_its_log(api, as_role, reviewer):
    admin = await as_role(Role.ADMIN)
    created = await register(admin, "http://127.0.0.1:9/a")
    await enroll(api, reviewer)
    deleted = await admin(
        "mutation($id: ID!) { deleteWebhookEndpoint(input: {id: $id}) "
        "{ endpoint { url } errors { code } } }",
        {"id": created["endpoint"]["id"]},
    )
    assert deleted["data"]["deleteWebhookEndpoint"]["errors"] == []
    assert await WebhookDelivery.all().count() == 0
    again = await admin(
        "mutation($id: ID!) { deleteWebhookEndpoint(input: {id: $id}) { errors { code } } }",
        {"id": created["endpoint"]["id"]},
    )
    assert again["data"]["deleteWebhookEndpoint"]["errors"][0]["code"] == "NOT_FOUND"


async def test_endpoints_are_bounded(as_role):
    admin = await as_role(Role.ADMIN)
    for n in range(limits.WEBHOOK_ENDPOINTS):
        assert (await register(admin, f"https://crm{n}.example.com/hooks"))["errors"] == []
    refused = await register(admin, "https://one-more.example.com/hooks")
    assert refused["errors"][0]["code"] == "INVALID_STATE"
