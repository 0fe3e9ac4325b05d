"""Delivery of what memberhub says to members (DESIGN §8).

Public functions other domains call:
- `queue(conn, messages, now)` / `queue_inserted(conn, member_ids, occurred_at)`: the
  outbox rows of communications just written, in the same transaction.
- `cancel_for_member(member_id)`: erasure cancels what would still be sent.

The worker's side, imported by app/worker.py: `sending` (claim, check, send, record:
`delivering(settings)`), with `claims` (leases), `rules` (send-time checks, quiet
hours, backoff) and the channels `mail` (SMTP), `gateway` (signed HTTP POST) and
`sink` (JSON lines).
"""

from services.delivery.outbox import (
    SENDABLE,
    cancel_for_member,
    deliveries,
    is_sent,
    queue,
    queue_inserted,
    retry_delivery,
)

__all__ = [
    "SENDABLE",
    "cancel_for_member",
    "deliveries",
    "is_sent",
    "queue",
    "queue_inserted",
    "retry_delivery",
]
