"""A send to many members and its effect against those held out of it (DESIGN §10)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from models.outreach import Outreach as OutreachModel
from resolvers.outreach import effect_of
from schema.common import Node, model_type
from schema.context import Info
from schema.effect import Days, Effect
from schema.enums import CommunicationCategory, ContactChannel
from services.outreach import DEFAULT_DAYS
from shortcuts import reads


@model_type(
    OutreachModel,
    name="Send",
    description="One sendCommunication: who of its recipients were contacted and who were "
    "held out (sent nothing, drawn at random from the seed), and the effect it had.",
)
class Send(Node):
    at: datetime = strawberry.field(description="When it was sent (UTC).")
    channel: ContactChannel = strawberry.field(description="The medium.")
    category: CommunicationCategory = strawberry.field(description="What it was about.")
    contacted: int = strawberry.field(description="Members the message was queued for.")
    held_out: int = strawberry.field(
        description="Recipients held out: they would have received it and got nothing."
    )
    holdout_share: float = strawberry.field(description="The share asked to be held out.")

    @strawberry.field(description="Global ID of the send.", metadata=reads("id"))
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Send", self.id))

    @strawberry.field(
        description="The holdout draw's seed, in decimal (63 bits: too wide for an Int). A "
        "recipient is held out when the first 8 bytes of SHA-256 of '<seed>:<member id>' "
        "fall below holdoutShare × 2^64.",
        metadata=reads("seed"),
    )
    def seed(self) -> str:
        return str(self.seed)

    @strawberry.field(
        description="Purchases of those contacted against those held out.", metadata=reads("id")
    )
    async def effect(self, info: Info, days: Days = DEFAULT_DAYS) -> Effect:
        return await effect_of(info.context, self.id, days)  # type: ignore[return-value]
