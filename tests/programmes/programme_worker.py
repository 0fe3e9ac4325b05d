"""A separate OS process that runs a programme through the services, as the worker or a
server process would.

python -m tests.programmes.programme_worker URL CODE AS_OF COUNT
    prints "ready", waits for a line on stdin, then runs the programme COUNT times at once
    as of AS_OF and prints {outcome: count, "contacted": n} as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from datetime import datetime

from models.db import close_db, init_db
from models.enums import ProgrammeCode
from services.clock import utcnow
from services.programmes import run_programme


async def _run(code: ProgrammeCode, as_of: datetime) -> tuple[str, int]:
    try:
        run = await run_programme(code, as_of, utcnow())
    # This process plays the caller: whatever escapes ("database is locked", a unique
    # key) is what a caller would have seen, so it is reported rather than raised.
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}", 0
    return "OK", run.contacted


async def main(url: str, code: str, as_of: str, count: int) -> None:
    await init_db(url)
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        moment = datetime.fromisoformat(as_of)
        done = await asyncio.gather(*(_run(ProgrammeCode(code), moment) for _ in range(count)))
        outcomes: Counter[str] = Counter(outcome for outcome, _ in done)
        outcomes["contacted"] = sum(contacted for _, contacted in done)
        print(json.dumps(outcomes), flush=True)
    finally:
        await close_db()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
