"""`memberhub worker` sends event webhooks beside the deliveries (app/worker.py)."""

from __future__ import annotations

import asyncio
import signal

from models.enums import DeliveryStatus
from models.webhook import WebhookDelivery
from services.clock import utcnow
from services.db import transaction
from services.webhooks import create_endpoint, emit
from tests.delivery.helpers import receiver, worker_process
from tests.factories import make_member


async def test_a_worker_process_sends_the_queued_events(db, tmp_path):
    member = await make_member()
    now = utcnow()
    with receiver() as probe:
        probe.secret = (await create_endpoint(probe.url, ["points.posted"], None, now)).secret
        async with transaction() as conn:
            for points in (1, 2):
                await emit(conn, "points.posted", member.id, {"points": points}, now)
        worker = await worker_process(tmp_path)
        try:
            for _ in range(1200):
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                if len(probe.received) == 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 60) == 0
    assert [body["data"]["points"] for _, body in probe.received] == [1, 2]
    statuses = await WebhookDelivery.all().values_list("status", flat=True)
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT]
