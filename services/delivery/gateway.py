"""Signed HTTP POSTs per Standard Webhooks (DESIGN §8): SMS and APP_PUSH to the messaging
gateway, and the event webhooks (services/webhooks) to their endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from services.delivery.message import Message, Outcome, retry

# Seconds: a receiver that answers slower is tried again later.
TIMEOUT = 10.0
# 4xx answers a later try may change; every other 4xx is refused for good.
RETRIED = frozenset({408, 429})


def outcome_of(status: int) -> Outcome:
    """2xx sent; 408, 429 and 5xx tried again; any other answer failed at once."""
    if 200 <= status < 300:
        return Outcome(sent=True, response_status=status)
    if status in RETRIED or status >= 500:
        return Outcome(sent=False, error=f"HTTP {status}", retry=True, response_status=status)
    return Outcome(sent=False, error=f"HTTP {status}", response_status=status)


def signer(secret: str, setting: str) -> Webhook:
    """The signer of a `whsec_` secret. Raises ValueError naming `setting` if malformed."""
    try:
        return Webhook(secret)
    except ValueError:  # binascii.Error: not base64
        raise ValueError(f"{setting} must be whsec_ and base64") from None


def signed_headers(sign: Webhook, webhook_id: str, body: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign.sign(webhook_id, at, body),
    }


async def post_signed(
    client: httpx.AsyncClient,
    url: str,
    sign: Webhook,
    webhook_id: str,
    payload: dict[str, Any],
    *,
    receiver: str,
    timeout: float = TIMEOUT,
) -> Outcome:
    """POST `payload` as JSON to `url`, signed; `receiver` names it in errors."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # The signature's timestamp is the moment of sending: receivers reject stale ones.
    headers = signed_headers(sign, webhook_id, body, datetime.now(UTC))
    try:
        response = await client.post(url, content=body.encode(), headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        return retry(f"{receiver} did not answer in time")
    except httpx.TransportError as error:
        return retry(f"{receiver} could not be reached ({type(error).__name__})")
    return outcome_of(response.status_code)


class Gateway:
    """Posts each message to `url`; `client` is shared by every gateway of a worker."""

    def __init__(
        self, url: str, secret: str, client: httpx.AsyncClient, timeout: float = TIMEOUT
    ) -> None:
        if not secret:
            raise ValueError("MEMBERHUB_GATEWAY_SECRET is required with a gateway URL")
        self.signer = signer(secret, "MEMBERHUB_GATEWAY_SECRET")
        self.url = url
        self.client = client
        self.timeout = timeout

    async def __call__(self, message: Message) -> Outcome:
        return await post_signed(
            self.client,
            self.url,
            self.signer,
            message.id,
            message.payload(),
            receiver="the gateway",
            timeout=self.timeout,
        )
