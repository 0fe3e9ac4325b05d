"""A separate OS process using a benefit through the service, as a server process would.

python -m tests.benefits.usage_worker URL MEMBER_ID CODE COUNT PREFIX
    COUNT concurrent uses with distinct keys; prints {outcome: count} as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from models.db import close_db, init_db
from services.benefits import use_benefit
from services.clock import utcnow
from services.errors import DomainError


async def _outcome(member_id: int, code: str, key: str) -> str:
    try:
        await use_benefit(member_id, code, key, utcnow())
    except DomainError as error:
        return error.code
    # This process plays the client: anything else ("database is locked", a crash) is
    # what a client would have seen, so it is reported rather than raised.
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    return "OK"


async def main(url: str, member_id: int, code: str, count: int, prefix: str) -> None:
    await init_db(url)
    try:
        keys = [f"{prefix}-{i}" for i in range(count)]
        outcomes = await asyncio.gather(*(_outcome(member_id, code, key) for key in keys))
        print(json.dumps(Counter(outcomes)), flush=True)
    finally:
        await close_db()


if __name__ == "__main__":
    url, member_id, code, count, prefix = sys.argv[1:6]
    asyncio.run(main(url, int(member_id), code, int(count), prefix))
