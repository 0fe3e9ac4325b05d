"""Event webhooks for integrations (DESIGN §8): the endpoints ADMIN registers, their
delivery logs, and the mutations that manage them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from core.ids import to_global_id
from models.webhook import WebhookDelivery as WebhookDeliveryModel
from models.webhook import WebhookEndpoint as WebhookEndpointModel
from resolvers.ids import decode_id
from schema.common import UserError, errors_field, model_type
from schema.context import Info
from schema.enums import DeliveryStatus
from schema.pagination import After, Connection, First, paginate
from schema.user_errors import mutation, user_errors
from services import webhooks as service
from services.clock import utcnow
from services.errors import Invalid, InvalidState, NotFound

EVENTS = ", ".join(service.EVENT_TYPES)


@model_type(
    WebhookDeliveryModel,
    description="One event on its way to one endpoint: its state, attempts and the last answer.",
)
class WebhookDelivery:
    event_type: str = strawberry.field(description="The event's type, e.g. tier.changed.")
    status: DeliveryStatus = strawberry.field(
        description="QUEUED, SENDING, SENT, FAILED (refused for good, or still failing "
        "after the last attempt) or CANCELLED (its endpoint was disabled)."
    )
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null if none did."
    )
    response_status: int | None = strawberry.field(
        description="The HTTP status the endpoint last answered; null if it never answered."
    )
    created_at: datetime = strawberry.field(description="When the event happened (UTC).")
    sent_at: datetime | None = strawberry.field(
        description="When the endpoint accepted it (UTC); null until then."
    )

    @strawberry.field(
        description="The event's id, sent as `webhook-id`: the same in every retry and in "
        "every endpoint's copy, so receivers deduplicate on it."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.event_id)

    event_id: strawberry.Private[str]


@model_type(
    WebhookEndpointModel,
    description="A receiver of signed event webhooks. Each POST carries `{type, timestamp, "
    "data}` signed per Standard Webhooks (headers webhook-id, webhook-timestamp, "
    "webhook-signature) with the endpoint's secret.",
)
class WebhookEndpoint:
    url: str = strawberry.field(description="Where the events are POSTed.")
    events: list[str] = strawberry.field(description=f"The event types sent: of {EVENTS}.")
    description: str | None = strawberry.field(description="What the integration is.")
    enabled: bool = strawberry.field(description="False: nothing is queued or sent to it.")
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled (by an administrator, or after 24 hours of failed "
        "attempts); null while enabled."
    )
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")

    @strawberry.field(description="Global ID of the endpoint.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("WebhookEndpoint", self.id))

    @strawberry.field(description="The endpoint's deliveries, newest first.")
    async def deliveries(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[WebhookDelivery]:
        return await paginate(service.endpoint_deliveries(self.id), first, after)


@strawberry.input(description="A webhook endpoint to register.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="http(s) URL; in production https, and not a loopback, link-local or "
        "private address unless MEMBERHUB_WEBHOOK_ALLOW_PRIVATE=on."
    )
    events: list[str] = strawberry.field(description=f"Event types to send, of {EVENTS}.")
    description: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="Changes to a webhook endpoint; null fields stay as they are.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(
        default=None, description="A new URL (checked as at creation)."
    )
    events: list[str] | None = strawberry.field(default=None, description="New event types.")
    description: str | None = strawberry.field(default=None, description="A new description.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="false disables it; true enables it again (its cancelled deliveries "
        "stay cancelled).",
    )


@strawberry.input(description="A webhook endpoint.")
class WebhookEndpointIdInput:
    id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.type(description="Result of createWebhookEndpoint and rotateWebhookSecret.")
class WebhookSecretPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        default=None, description="The endpoint; null when refused."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...), shown only here: store it in the "
        "receiver; memberhub never shows it again.",
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of updateWebhookEndpoint and deleteWebhookEndpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        default=None, description="The endpoint (as it was, once deleted); null when refused."
    )
    errors: list[UserError] = errors_field()


def _endpoint_id(value: strawberry.ID, info: Info) -> int:
    endpoint_id = decode_id(value, "WebhookEndpoint", ("input", "id"))
    info.context.audit.target(to_global_id("WebhookEndpoint", endpoint_id))
    return endpoint_id


async def webhook_endpoints(info: Info) -> list[WebhookEndpoint]:
    return await service.all_endpoints()  # type: ignore[return-value]


@user_errors(WebhookSecretPayload)
async def create_webhook_endpoint(
    info: Info,
    input: Annotated[CreateWebhookEndpointInput, strawberry.argument(description="The endpoint.")],
) -> WebhookSecretPayload:
    registered = await service.create_endpoint(input.url, input.events, input.description, utcnow())
    info.context.audit.target(to_global_id("WebhookEndpoint", registered.endpoint.id))
    return WebhookSecretPayload(endpoint=registered.endpoint, secret=registered.secret)  # type: ignore[arg-type]


@user_errors(WebhookSecretPayload)
async def rotate_webhook_secret(
    info: Info,
    input: Annotated[WebhookEndpointIdInput, strawberry.argument(description="The endpoint.")],
) -> WebhookSecretPayload:
    registered = await service.rotate_secret(_endpoint_id(input.id, info))
    return WebhookSecretPayload(endpoint=registered.endpoint, secret=registered.secret)  # type: ignore[arg-type]


@user_errors(WebhookEndpointPayload)
async def update_webhook_endpoint(
    info: Info,
    input: Annotated[UpdateWebhookEndpointInput, strawberry.argument(description="The changes.")],
) -> WebhookEndpointPayload:
    endpoint = await service.update_endpoint(
        _endpoint_id(input.id, info),
        url=input.url,
        events=input.events,
        description=input.description,
        enabled=input.enabled,
    )
    return WebhookEndpointPayload(endpoint=endpoint)  # type: ignore[arg-type]


@user_errors(WebhookEndpointPayload)
async def delete_webhook_endpoint(
    info: Info,
    input: Annotated[WebhookEndpointIdInput, strawberry.argument(description="The endpoint.")],
) -> WebhookEndpointPayload:
    endpoint = await service.delete_endpoint(_endpoint_id(input.id, info))
    return WebhookEndpointPayload(endpoint=endpoint)  # type: ignore[arg-type]


@strawberry.type
class WebhooksQuery:
    """Root query fields of event webhooks (joined in schema/root.py)."""

    webhook_endpoints: list[WebhookEndpoint] = strawberry.field(
        resolver=webhook_endpoints, description="The registered webhook endpoints, oldest first."
    )


@strawberry.type
class WebhooksMutation:
    """Root mutation fields of event webhooks (joined in schema/root.py)."""

    create_webhook_endpoint: WebhookSecretPayload = mutation(
        create_webhook_endpoint,
        "Register a webhook endpoint; the answer carries its signing secret, shown only here. "
        "At most 20 endpoints (INVALID_STATE).",
        errors=(Invalid, InvalidState),
    )
    update_webhook_endpoint: WebhookEndpointPayload = mutation(
        update_webhook_endpoint,
        "Change a webhook endpoint's URL, events, description, or enable or disable it.",
        errors=(Invalid, NotFound),
    )
    rotate_webhook_secret: WebhookSecretPayload = mutation(
        rotate_webhook_secret,
        "Give a webhook endpoint a new signing secret, shown only here; the old one signs "
        "nothing more.",
        errors=(Invalid, NotFound),
    )
    delete_webhook_endpoint: WebhookEndpointPayload = mutation(
        delete_webhook_endpoint,
        "Delete a webhook endpoint and its delivery log.",
        errors=(Invalid, NotFound),
    )
