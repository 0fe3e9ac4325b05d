"""Root fields of programmes (DESIGN §10): the list, settings, runs and their record, the
survey answer and the member's profile confirmation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.ids import to_global_id
from schema.common import OkPayload
from schema.context import Info
from schema.enums import ProgrammeCode
from schema.members import MemberPayload
from schema.pagination import After, Connection, First, paginate
from schema.programmes import (
    Programme,
    ProgrammePayload,
    ProgrammeRun,
    ProgrammeRunPayload,
    RespondToSurveyInput,
    RunProgrammeInput,
    UpdateProgrammeInput,
)
from schema.user_errors import mutation, user_errors
from services import members
from services import programmes as service
from services.clock import utcnow
from services.errors import Invalid, InvalidState, NotFound, RateLimited


async def programmes() -> list[Programme]:
    return await service.programmes()  # type: ignore[return-value]


async def programme_runs(
    info: Info,
    code: Annotated[
        ProgrammeCode | None,
        strawberry.argument(description="Runs of this programme only; default all."),
    ] = None,
    first: First = None,
    after: After = None,
) -> Connection[ProgrammeRun]:
    return await paginate(service.programme_runs(code), first, after, info)


@user_errors(ProgrammePayload)
async def update_programme(
    info: Info,
    input: Annotated[UpdateProgrammeInput, strawberry.argument(description="The new settings.")],
) -> ProgrammePayload:
    setting = await service.update_programme(input.code, input.to_change(), utcnow())
    return ProgrammePayload(programme=setting)  # type: ignore[arg-type]


@user_errors(ProgrammeRunPayload)
async def run_programme(
    info: Info,
    input: Annotated[RunProgrammeInput, strawberry.argument(description="What to run.")],
) -> ProgrammeRunPayload:
    now = utcnow()
    run = await service.run_programme(input.code, input.as_of or now, now)
    info.context.audit.target(to_global_id("ProgrammeRun", run.id))
    return ProgrammeRunPayload(run=run)  # type: ignore[arg-type]


@user_errors(OkPayload)
async def respond_to_survey(
    info: Info,
    input: Annotated[RespondToSurveyInput, strawberry.argument(description="The answer.")],
) -> OkPayload:
    answer = await service.respond_to_survey(
        input.token, input.score, input.comment, utcnow(), client=info.context.ip
    )
    info.context.audit.target_member(answer.member_id)
    return OkPayload(ok=True)


@user_errors(MemberPayload)
async def confirm_profile(info: Info) -> MemberPayload:
    member_id = info.context.scope_member(None, ("input",))
    info.context.audit.target_member(member_id)
    member = await members.confirm_profile(member_id, utcnow())
    return MemberPayload(member=member)  # type: ignore[arg-type]


@strawberry.type
class ProgrammesQuery:
    """Root query fields of programmes (joined in schema/root.py)."""

    programmes: list[Programme] = strawberry.field(
        resolver=programmes, description="Every programme with its settings."
    )
    programme_runs: Connection[ProgrammeRun] = strawberry.field(
        resolver=programme_runs, description="Runs of the programmes, newest first."
    )


@strawberry.type
class ProgrammesMutation:
    """Root mutation fields of programmes (joined in schema/root.py)."""

    update_programme: ProgrammePayload = mutation(
        update_programme,
        "Change a programme's settings; a value out of its range is INVALID.",
        errors=(Invalid,),
    )
    run_programme: ProgrammeRunPayload = mutation(
        run_programme,
        "Run a programme now, enabled or not, as of asOf: select its audience, hold out its "
        "share and send the others its message through the outbox. Members contacted or held "
        "out within its cool-down are not selected, so running it twice for one asOf sends "
        "nothing new.",
        errors=(Invalid,),
    )
    respond_to_survey: OkPayload = mutation(
        respond_to_survey,
        "Answer a satisfaction survey with the one-time code its message carried; no sign-in "
        "needed. It counts in the satisfaction rate. A code unknown (or mistyped) is INVALID; "
        "one answered already or older than 30 days INVALID_STATE; a score outside 1 to 5 "
        "INVALID. Limited per client address and hour (RATE_LIMITED).",
        errors=(Invalid, InvalidState, RateLimited),
    )
    confirm_profile: MemberPayload = mutation(
        confirm_profile,
        "The signed-in member confirms their profile is unchanged: no profile reminder for "
        "12 months. A terminated membership is INVALID_STATE.",
        errors=(InvalidState, NotFound),
    )
