"""What a channel is given to send, and what it answers (DESIGN §8 "Channels")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from models.enums import ContactChannel


@dataclass(frozen=True)
class Message:
    # Stable across retries: the gateway's webhook-id and the mail's Message-ID, so a
    # receiver recognises a message it already has.
    id: str
    channel: ContactChannel
    to: str
    subject: str | None
    body: str
    communication_id: str
    member_no: str

    def payload(self) -> dict[str, Any]:
        """The JSON a gateway receives (DESIGN §8)."""
        return {
            "channel": self.channel.value,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
            "communicationId": self.communication_id,
            "memberNo": self.member_no,
        }


@dataclass(frozen=True)
class Outcome:
    """A channel's answer: sent, or not with the reason, and whether a later try may work."""

    sent: bool
    error: str | None = None
    retry: bool = False
    # The HTTP status a receiver answered; None for other channels and transport errors.
    response_status: int | None = None


SENT = Outcome(sent=True)


def retry(error: str) -> Outcome:
    return Outcome(sent=False, error=error, retry=True)


def fail(error: str) -> Outcome:
    return Outcome(sent=False, error=error)


Send = Callable[[Message], Awaitable[Outcome]]
