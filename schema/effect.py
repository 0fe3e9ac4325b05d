"""What an outreach did (DESIGN §10 "Effect"): those contacted against those held out."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from services.outreach import DEFAULT_DAYS

# The argument of every `effect` field.
Days = Annotated[
    int,
    strawberry.argument(
        description=f"Purchases within this many days of the contact count (1 to 365; "
        f"default {DEFAULT_DAYS})."
    ),
]


@strawberry.type(
    description="The effect of a contact: who of those contacted and of those held out (sent "
    "nothing, drawn at random) made a purchase, not refunded in full, within `days` of it. "
    "Shares are from 0 to 1; the held-out figures and the uplift are null when nobody was "
    "held out."
)
class Effect:
    contacted: int = strawberry.field(description="Members contacted.")
    held_out: int = strawberry.field(description="Members held out: sent nothing.")
    converted_contacted: int = strawberry.field(description="Contacted members who purchased.")
    converted_held_out: int = strawberry.field(description="Held-out members who purchased.")
    conversion_contacted: float | None = strawberry.field(
        description="Share of the contacted who purchased."
    )
    conversion_held_out: float | None = strawberry.field(
        description="Share of the held out who purchased."
    )
    uplift: float | None = strawberry.field(description="conversionContacted - conversionHeldOut.")
    uplift_low: float | None = strawberry.field(
        description="Lower end of the uplift's 95 % interval (difference of two proportions)."
    )
    uplift_high: float | None = strawberry.field(
        description="Upper end of the uplift's 95 % interval."
    )
    spend_per_contacted: Decimal | None = strawberry.field(
        description="Spend within the days, net of refunds, per contacted member."
    )
    spend_per_held_out: Decimal | None = strawberry.field(
        description="Spend within the days, net of refunds, per held-out member."
    )
