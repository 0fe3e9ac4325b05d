"""Types of programmes (DESIGN §10): a programme's settings, its runs with their effect,
the inputs and payloads of its mutations, and the survey answer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from models.programme import ProgrammeRun as ProgrammeRunModel
from models.programme import ProgrammeSetting
from resolvers.outreach import effect_of
from schema.common import UserError, errors_field, model_type
from schema.context import Info
from schema.effect import Days, Effect
from schema.enums import ProgrammeCode
from services.outreach import DEFAULT_DAYS
from services.programmes import ProgrammeChange


@model_type(
    ProgrammeSetting,
    name="Programme",
    description="A programme that keeps members, with its settings. The worker's "
    "MEMBERHUB_SCHEDULE_PROGRAMMES runs the enabled ones; runProgramme runs any.",
)
class Programme:
    code: ProgrammeCode = strawberry.field(description="Which programme.")
    enabled: bool = strawberry.field(
        description="Whether the worker's schedule runs it (default false)."
    )
    cool_down_days: int = strawberry.field(
        description="A member contacted or held out by it within this many days of a run is "
        "not selected again (1 to 3650)."
    )
    holdout_share: float = strawberry.field(
        description="Share of each run's audience held out, sent nothing, to measure its "
        "effect (0 to 0.5; default 0.1)."
    )
    sample_rate: float = strawberry.field(
        description="SATISFACTION_REVISIT: share of purchases surveyed (0 to 1)."
    )
    delay_days: int = strawberry.field(
        description="SATISFACTION_REVISIT: the purchases of the day this many days before the "
        "run are surveyed (0 to 365)."
    )
    benefit_code: str | None = strawberry.field(
        description="CHURN_WARNING: a benefit code or coupon the care message names; null for none."
    )
    updated_at: datetime | None = strawberry.field(
        description="When its settings last changed; null while it has its defaults."
    )


@strawberry.type(
    description="CHURN_WARNING's win-back: AT_RISK members of the run who purchased again "
    "within the days, contacted and held out."
)
class WinBack:
    contacted: int = strawberry.field(description="Contacted members who purchased again.")
    held_out: int = strawberry.field(description="Held-out members who purchased again.")
    rate_contacted: float | None = strawberry.field(
        description="Share of the contacted who purchased again."
    )
    rate_held_out: float | None = strawberry.field(
        description="Share of the held out who purchased again; null when none was held out."
    )


@model_type(
    ProgrammeRunModel,
    description="One run of a programme: its audience as of asOf, who was contacted and who "
    "held out (drawn from the recorded seed), and what it did.",
)
class ProgrammeRun:
    programme: ProgrammeCode = strawberry.field(description="Which programme ran.")
    as_of: datetime = strawberry.field(
        description="The moment it selected its audience as of; its effect counts from here."
    )
    started_at: datetime = strawberry.field(description="When it ran (UTC).")
    contacted: int = strawberry.field(description="Members sent its message.")
    held_out: int = strawberry.field(description="Members held out: selected, sent nothing.")
    skipped: int = strawberry.field(
        description="Members selected but sent nothing for want of consent on their channel "
        "(every programme message asks it)."
    )
    holdout_share: float = strawberry.field(description="The share held out it drew with.")

    @strawberry.field(description="ID of the run, unique across all types.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("ProgrammeRun", self.id))

    @strawberry.field(
        description="The seed of its holdout draw (a 63-bit integer, as text): with the "
        "share, anyone can draw who is held out again."
    )
    def seed(self) -> str:
        return str(self.seed)

    @strawberry.field(description="Purchases by those contacted against those held out.")
    async def effect(self, info: Info, days: Days = DEFAULT_DAYS) -> Effect:
        outreach_id = self.outreach_id  # type: ignore[attr-defined]
        return await effect_of(info.context, outreach_id, days)  # type: ignore[return-value]

    @strawberry.field(
        description="CHURN_WARNING only (null for the others): AT_RISK members of the run "
        "who purchased again within the days."
    )
    async def win_back(self, info: Info, days: Days = DEFAULT_DAYS) -> WinBack | None:
        if self.programme is not ProgrammeCode.CHURN_WARNING:
            return None
        outreach_id = self.outreach_id  # type: ignore[attr-defined]
        effect = await effect_of(info.context, outreach_id, days)
        return WinBack(
            contacted=effect.converted_contacted,
            held_out=effect.converted_held_out,
            rate_contacted=effect.conversion_contacted,
            rate_held_out=effect.conversion_held_out,
        )


@strawberry.input(
    description="A programme's new settings; omitted ones stay. Out-of-range values are INVALID."
)
class UpdateProgrammeInput:
    code: ProgrammeCode = strawberry.field(description="Which programme.")
    enabled: bool | None = strawberry.field(
        default=None, description="Whether the worker's schedule runs it."
    )
    cool_down_days: int | None = strawberry.field(default=None, description="1 to 3650 days.")
    holdout_share: float | None = strawberry.field(default=None, description="0 to 0.5.")
    sample_rate: float | None = strawberry.field(
        default=None, description="SATISFACTION_REVISIT: 0 to 1."
    )
    delay_days: int | None = strawberry.field(
        default=None, description="SATISFACTION_REVISIT: 0 to 365 days."
    )
    benefit_code: str | None = strawberry.field(
        default=None,
        description="CHURN_WARNING: a benefit code or coupon (one line, at most 64 "
        "characters); an empty string removes it.",
    )

    def to_change(self) -> ProgrammeChange:
        return ProgrammeChange(
            enabled=self.enabled,
            cool_down_days=self.cool_down_days,
            holdout_share=self.holdout_share,
            sample_rate=self.sample_rate,
            delay_days=self.delay_days,
            benefit_code=self.benefit_code,
        )


@strawberry.input(description="Which programme to run, as of when.")
class RunProgrammeInput:
    code: ProgrammeCode = strawberry.field(description="Which programme.")
    as_of: datetime | None = strawberry.field(
        default=None,
        description="The moment it selects its audience as of (1900-2200); default now.",
    )


@strawberry.input(description="An answer to a satisfaction survey, by its one-time code.")
class RespondToSurveyInput:
    token: str = strawberry.field(description="The one-time code the survey message carries.")
    score: int = strawberry.field(description="Satisfaction from 1 (poor) to 5 (excellent).")
    comment: str | None = strawberry.field(
        default=None, description="Anything to add (at most 2,000 characters)."
    )


@strawberry.type(description="Result of updateProgramme.")
class ProgrammePayload:
    programme: Programme | None = strawberry.field(
        default=None, description="The programme with its settings."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of runProgramme.")
class ProgrammeRunPayload:
    run: ProgrammeRun | None = strawberry.field(default=None, description="The run.")
    errors: list[UserError] = errors_field()
