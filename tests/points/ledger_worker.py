"""A separate OS process that loads the ledger through the services, as a server process would.

python -m tests.points.ledger_worker URL redeem MEMBER_ID COUNT POINTS PREFIX
    prints "ready", waits for a line on stdin, then sends COUNT concurrent
    redemptions and prints {outcome: count} as JSON.
python -m tests.points.ledger_worker URL purchase MEMBER_ID[,MEMBER_ID...] COUNT PREFIX
    prints "ready", waits for a line on stdin, then records COUNT concurrent purchases
    of 10.00 over the members in turn and prints {outcome: count} as JSON.
python -m tests.points.ledger_worker URL churn MEMBER_ID[,MEMBER_ID...]
    purchases, refunds, redemptions and adjustments until killed; prints a line per
    round, and on stderr anything a client should never see.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Any

from models.db import close_db, init_db
from models.enums import RedemptionPurpose
from services.clock import utcnow
from services.errors import DomainError
from services.points import adjust_points, record_purchase, redeem_points, refund_purchase


async def _outcome(call: Callable[[], Awaitable[Any]]) -> str:
    try:
        await call()
    except DomainError as error:
        return error.code
    # This process plays the client: whatever else escapes is exactly what a client would
    # have seen ("database is locked", a 500), so it is reported rather than raised.
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    return "OK"


async def redeem_many(member_id: int, count: int, points: int, prefix: str) -> Counter[str]:
    calls = [
        partial(redeem_points, member_id, points, RedemptionPurpose.GIFT, f"{prefix}-{i}", utcnow())
        for i in range(count)
    ]
    return Counter(await asyncio.gather(*(_outcome(call) for call in calls)))


async def purchase_many(member_ids: list[int], count: int, prefix: str) -> Counter[str]:
    calls = [
        partial(
            record_purchase, member_ids[i % len(member_ids)], f"{prefix}-{i}", Decimal(10), utcnow()
        )
        for i in range(count)
    ]
    return Counter(await asyncio.gather(*(_outcome(call) for call in calls)))


async def churn(member_ids: list[int]) -> None:
    for n in itertools.count():
        member_id = member_ids[n % len(member_ids)]
        ref = f"churn-{member_id}-{n}"
        now = utcnow()
        for call in (
            partial(record_purchase, member_id, ref, Decimal("123.45"), now),
            partial(refund_purchase, ref, Decimal("23.45"), now),
            partial(redeem_points, member_id, 7, RedemptionPurpose.GIFT, f"r-{ref}", now),
            partial(adjust_points, member_id, -3, "churn", f"a-{ref}", now),
        ):
            outcome = await _outcome(call)
            if ":" in outcome:  # neither OK nor a UserError code: what a client must never see
                print(outcome, file=sys.stderr, flush=True)
        print(n, flush=True)


async def main(url: str, mode: str, args: list[str]) -> None:
    await init_db(url)
    try:
        if mode in ("redeem", "purchase"):
            # A start line on stdin lines the processes up, so their writes overlap.
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            print(json.dumps(await _many(mode, args)), flush=True)
        else:
            await churn([int(part) for part in args[0].split(",")])
    finally:
        await close_db()


async def _many(mode: str, args: list[str]) -> Counter[str]:
    if mode == "redeem":
        return await redeem_many(int(args[0]), int(args[1]), int(args[2]), args[3])
    member_ids = [int(part) for part in args[0].split(",")]
    return await purchase_many(member_ids, int(args[1]), args[2])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
