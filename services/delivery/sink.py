"""The development sink: a JSON-lines file receiving every delivery of a channel with
nothing configured (DESIGN §8), so a first run shows messages leaving.

Each line holds the message as a gateway would receive it, addresses included: the
sink is for development, and off by default in production.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from services.delivery.message import SENT, Message, Outcome, retry


class Sink:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _append(self, line: str) -> None:
        # One write of one line in append mode: lines of several workers do not interleave.
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line)

    async def __call__(self, message: Message) -> Outcome:
        line = json.dumps({"id": message.id, **message.payload()}, ensure_ascii=False) + "\n"
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as error:
            return retry(f"the delivery sink could not be written ({error.strerror})")
        return SENT
