"""SMS and APP_PUSH: an HTTP POST to the messaging gateway, signed per Standard Webhooks
(DESIGN §8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from services.delivery.message import SENT, Message, Outcome, fail, retry

# Seconds: a gateway that answers slower is tried again later.
TIMEOUT = 10.0
# 4xx answers a later try may change; every other 4xx is refused for good.
RETRIED = frozenset({408, 429})


def outcome_of(status: int) -> Outcome:
    """2xx sent; 408, 429 and 5xx tried again; any other answer failed at once."""
    if 200 <= status < 300:
        return SENT
    if status in RETRIED or status >= 500:
        return retry(f"HTTP {status}")
    return fail(f"HTTP {status}")


class Gateway:
    """Posts each message to `url`; `client` is shared by every gateway of a worker."""

    def __init__(
        self, url: str, secret: str, client: httpx.AsyncClient, timeout: float = TIMEOUT
    ) -> None:
        if not secret:
            raise ValueError("MEMBERHUB_GATEWAY_SECRET is required with a gateway URL")
        try:
            self.signer = Webhook(secret)
        except ValueError:  # binascii.Error: not base64
            raise ValueError("MEMBERHUB_GATEWAY_SECRET must be whsec_ and base64") from None
        self.url = url
        self.client = client
        self.timeout = timeout

    def headers(self, message: Message, body: str, at: datetime) -> dict[str, str]:
        return {
            "content-type": "application/json",
            "webhook-id": message.id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self.signer.sign(message.id, at, body),
        }

    async def __call__(self, message: Message) -> Outcome:
        body = json.dumps(message.payload(), ensure_ascii=False, separators=(",", ":"))
        # The signature's timestamp is the moment of sending: receivers reject stale ones.
        headers = self.headers(message, body, datetime.now(UTC))
        try:
            response = await self.client.post(
                self.url, content=body.encode(), headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException:
            return retry("the gateway did not answer in time")
        except httpx.TransportError as error:
            return retry(f"the gateway could not be reached ({type(error).__name__})")
        return outcome_of(response.status_code)
