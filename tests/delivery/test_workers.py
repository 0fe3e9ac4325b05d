"""`memberhub worker` processes on the test's database: two never send one message
twice, one killed with kill -9 mid-send loses nothing (DESIGN §8 "Worker")."""

from __future__ import annotations

import asyncio
import signal
import subprocess

import httpx

from models.delivery import Delivery
from models.enums import CommunicationCategory, ContactChannel, DeliveryStatus
from services.clock import utcnow
from services.communications import Broadcast, send_communication
from services.delivery.claims import LEASE
from tests.delivery.helpers import (
    HANG,
    SECRET,
    deliverer,
    receiver,
    settings_for,
    sink_lines,
    worker_process,
)
from tests.factories import make_member

MEMBERS = 25
ROUNDS = 40  # MEMBERS x ROUNDS deliveries: 1,000


async def _until_none_left(workers: list[subprocess.Popen[str]]) -> None:
    open_ = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    for _ in range(2400):
        for worker in workers:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        if not await Delivery.filter(status__in=open_).exists():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workers did not deliver everything")


async def _stop(worker: subprocess.Popen[str]) -> int:
    worker.send_signal(signal.SIGTERM)
    return await asyncio.to_thread(worker.wait, 60)


async def test_two_workers_never_send_one_message_twice(tmp_path):
    members = [(await make_member()).id for _ in range(MEMBERS)]
    for n in range(ROUNDS):
        notice = Broadcast(ContactChannel.SMS, CommunicationCategory.NOTIFICATION, f"Notice {n}")
        await send_communication(notice, utcnow(), staff_id=None, member_ids=members)
    workers = [await worker_process(tmp_path), await worker_process(tmp_path)]
    try:
        await _until_none_left(workers)
    finally:
        codes = [await _stop(worker) for worker in workers]
    assert codes == [0, 0]
    ids = [line["id"] for line in sink_lines(tmp_path)]
    assert len(ids) == MEMBERS * ROUNDS == len(set(ids))
    assert await Delivery.filter(status=DeliveryStatus.SENT, attempts=1).count() == len(ids)


async def test_a_worker_killed_mid_send_loses_nothing(tmp_path):
    member = await make_member()
    notice = Broadcast(ContactChannel.SMS, CommunicationCategory.NOTIFICATION, "Points")
    await send_communication(notice, utcnow(), staff_id=None, member_ids=[member.id])
    with receiver() as got:
        got.answers = [HANG]
        env = {"MEMBERHUB_SMS_GATEWAY_URL": got.url, "MEMBERHUB_GATEWAY_SECRET": SECRET}
        worker = await worker_process(tmp_path, **env)
        try:
            assert await asyncio.to_thread(got.arrived.wait, 60), "the worker never sent"
        finally:
            worker.kill()  # SIGKILL: no chance to record anything
            await asyncio.to_thread(worker.wait, 60)
        held = await Delivery.get(member_id=member.id)
        assert (held.status, held.attempts) == (DeliveryStatus.SENDING, 1)
        settings = settings_for(tmp_path, sms_gateway_url=got.url, gateway_secret=SECRET)
        async with httpx.AsyncClient() as client:
            deliver = deliverer(settings, client)
            # While the dead worker's lease runs, nobody else takes the message.
            assert await deliver(utcnow()) == 0
            assert await deliver(utcnow() + LEASE + LEASE) == 1
    sent = await Delivery.get(id=held.id)
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 2)
    # At least once: the receiver saw it twice under one id, and deduplicates on it.
    assert [webhook_id for webhook_id, _ in got.received] == [f"delivery_{held.id}"] * 2
