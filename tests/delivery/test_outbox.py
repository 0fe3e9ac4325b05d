"""The outbox over GraphQL: a delivery beside every communication memberhub sends,
readable by staff, retried by retryDelivery, cancelled by erasure (DESIGN §8)."""

from __future__ import annotations

from core.ids import to_global_id
from models.communication import Communication
from models.delivery import Delivery
from models.enums import DeliveryStatus, Role, TerminationReason
from services.clock import utcnow
from services.members import terminate_membership
from tests.communications.helpers import LOG, SEND, codes, member_gid, ok, top_codes
from tests.conftest import member_token
from tests.factories import make_member

CONTACTS = """
query($id: ID!) {
  member(id: $id) {
    communications(first: 10) {
      edges { node { channel delivery { status attempts lastError nextAttemptAt sentAt } } }
    }
  }
}
"""
DELIVERIES = """
query($status: DeliveryStatus) {
  deliveries(status: $status, first: 10) {
    totalCount edges { node { status channel communication { id } } }
  }
}
"""
RETRY = """
mutation($id: ID!) {
  retryDelivery(input: {communicationId: $id}) {
    delivery { status attempts } errors { field code message }
  }
}
"""


def _send(member_ids: list[str], channel: str = "SMS") -> dict[str, object]:
    message = {"channel": channel, "category": "NOTIFICATION", "content": "Hello"}
    return {"input": {**message, "memberIds": member_ids}}


async def test_a_sent_message_is_queued_for_delivery_with_it(as_role):
    members = [await make_member() for _ in range(3)]
    admin = await as_role(Role.ADMIN)
    ok(await admin(SEND, _send([member_gid(m) for m in members])), "sendCommunication")
    deliveries = await Delivery.all()
    assert len(deliveries) == 3
    assert {d.member_id for d in deliveries} == {m.id for m in members}
    assert all(d.status == DeliveryStatus.QUEUED and d.channel == "SMS" for d in deliveries)
    messages = await Communication.filter(id__in=[d.communication_id for d in deliveries])
    assert {m.member_id for m in messages} == {m.id for m in members}


async def test_staff_read_the_delivery_and_contacts_only_logged_have_none(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    ok(await admin(SEND, _send([member_gid(member)])), "sendCommunication")
    logged = {"memberId": member_gid(member), "channel": "PHONE", "direction": "OUTBOUND"}
    ok(await admin(LOG, {"input": {**logged, "category": "CARE"}}), "logCommunication")
    result = await admin(CONTACTS, {"id": member_gid(member)})
    nodes = [e["node"] for e in result["data"]["member"]["communications"]["edges"]]
    by_channel = {node["channel"]: node["delivery"] for node in nodes}
    assert by_channel["PHONE"] is None
    assert by_channel["SMS"]["status"] == "QUEUED"
    assert by_channel["SMS"]["attempts"] == 0
    assert by_channel["SMS"]["nextAttemptAt"] is not None and by_channel["SMS"]["sentAt"] is None


async def test_a_member_reads_their_message_but_not_its_delivery(as_role, api):
    member = await make_member()
    ok(await (await as_role(Role.ADMIN))(SEND, _send([member_gid(member)])), "sendCommunication")
    result = await api.as_(await member_token(member.id))(CONTACTS, {"id": member_gid(member)})
    (edge,) = result["data"]["member"]["communications"]["edges"]
    assert edge["node"]["channel"] == "SMS" and edge["node"]["delivery"] is None
    assert top_codes(result) == {"FORBIDDEN"}


async def test_deliveries_lists_by_status_for_service_staff_only(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    ok(await admin(SEND, _send([member_gid(member)], "EMAIL")), "sendCommunication")
    service = await as_role(Role.SERVICE)
    queued = (await service(DELIVERIES, {"status": "QUEUED"}))["data"]["deliveries"]
    assert queued["totalCount"] == 1 and queued["edges"][0]["node"]["channel"] == "EMAIL"
    sent = (await service(DELIVERIES, {"status": "SENT"}))["data"]["deliveries"]
    assert sent["totalCount"] == 0
    denied = await (await as_role(Role.MARKETING))(DELIVERIES, {})
    assert denied["data"] is None and top_codes(denied) == {"FORBIDDEN"}


async def test_retry_queues_a_failed_delivery_again_and_only_a_failed_one(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    ok(await admin(SEND, _send([member_gid(member)])), "sendCommunication")
    row = await Delivery.get()
    gid = to_global_id("Communication", row.communication_id)
    assert codes(await admin(RETRY, {"id": gid}), "retryDelivery") == ["INVALID_STATE"]
    await Delivery.filter(id=row.id).update(
        status=DeliveryStatus.FAILED, attempts=12, next_attempt_at=None
    )
    body = ok(await admin(RETRY, {"id": gid}), "retryDelivery")
    assert body["delivery"] == {"status": "QUEUED", "attempts": 0}
    assert (await Delivery.get(id=row.id)).next_attempt_at is not None


async def test_retry_refuses_a_contact_memberhub_does_not_send(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    logged = {"memberId": member_gid(member), "channel": "STORE", "direction": "INBOUND"}
    body = ok(await admin(LOG, {"input": {**logged, "category": "CARE"}}), "logCommunication")
    result = await admin(RETRY, {"id": body["communication"]["id"]})
    assert codes(result, "retryDelivery") == ["NOT_FOUND"]
    assert codes(await admin(RETRY, {"id": member_gid(member)}), "retryDelivery") == ["INVALID"]


async def test_erasure_cancels_what_the_member_would_still_be_sent(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    ok(await admin(SEND, _send([member_gid(member)], "EMAIL")), "sendCommunication")
    now = utcnow()
    await terminate_membership(member.id, TerminationReason.VOLUNTARY, now, effective_at=now)
    statuses = await Delivery.filter(member_id=member.id).values_list("status", flat=True)
    # The message sent before and the termination notice itself: nobody to send them to.
    assert statuses and set(statuses) == {DeliveryStatus.CANCELLED}
