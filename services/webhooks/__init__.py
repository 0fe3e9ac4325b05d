"""Event webhooks for integrations (DESIGN §8).

Other domains call `emit(conn, event_type, member_id, data, now)` inside the transaction
of the change (the outbox). GraphQL calls the endpoint functions; the worker runs
`sending.webhooks_sending(settings)`.
"""

from services.webhooks.endpoints import (
    all_endpoints,
    create_endpoint,
    delete_endpoint,
    endpoint_deliveries,
    rotate_secret,
    update_endpoint,
)
from services.webhooks.events import EVENT_TYPES, emit

__all__ = [
    "EVENT_TYPES",
    "all_endpoints",
    "create_endpoint",
    "delete_endpoint",
    "emit",
    "endpoint_deliveries",
    "rotate_secret",
    "update_endpoint",
]
