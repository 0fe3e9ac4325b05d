"""A programme's run (DESIGN §10): select the audience as of a moment, hold out a random
share, send the others their message through the outbox, and record the draw and the
messages. runProgramme, the worker's schedule and `memberhub run-job programmes` all
run this.

The run and its (empty) outreach are recorded first; then the active members are taken a
batch at a time, and each batch's selection, draw and messages are written in one
transaction with the batch's part of the outreach and the run's counts. Stopped between
batches (kill -9), the run keeps the batches committed, and a rerun leaves their members
out by the cool-down, which counts this run's outreach: nobody is contacted twice. Inside
a mutation the batches share the mutation's one transaction; the job commits each alone.

Batches of one programme are serialised: the transaction's first statement locks the
programme's settings row (SQLite's write lock from BEGIN IMMEDIATE, PostgreSQL's row lock),
and the batch selects under it, so two runs at once do not both select a member the other
is contacting. A second run for the same asOf sends nothing new by the cool-down
(services/programmes/audience.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import F
from tortoise.queryset import QuerySet

from models.communication import Communication
from models.enums import Direction, MemberStatus, OutreachKind, ProgrammeCode
from models.member import Member
from models.programme import ProgrammeRun, ProgrammeSetting, SurveyToken
from services import benefits, communications
from services.clock import as_utc
from services.db import retry_busy, transaction
from services.jobs import Members
from services.outreach import Draw, add_to_outreach, draw, held_out, new_seed, record_outreach
from services.programmes import messages
from services.programmes.audience import Candidate, candidates
from services.programmes.settings import locked
from services.programmes.surveys import TOKEN_LIFE, new_token
from services.validation import check_moment
from shortcuts.sql import insert_rows

# The revisit's sample is drawn with its own seed, derived from the run's, so which
# purchases are surveyed does not follow who is held out.
_SAMPLE_SALT = 0x5EED5A11


@dataclass(frozen=True)
class _Token:
    token_hash: str
    member_id: int
    purchase_id: int
    channel: Any
    created_at: datetime
    expires_at: datetime
    used_at: None = None


async def run_programme(code: ProgrammeCode, as_of: datetime, now: datetime) -> ProgrammeRun:
    """Run one programme as of `as_of`. Raises Invalid (asOf outside 1900-2200)."""
    run = await start_run(code, as_of, now)
    async for page, _ in audience_pages().pages():
        await run_batch(run, page)
    return await ProgrammeRun.get(id=run.id)


def audience_pages() -> Members:
    """Whom a run visits, a page at a time: the members a programme may select."""
    return Members(Member.filter(status=MemberStatus.ACTIVE), key="id")


async def start_run(code: ProgrammeCode, as_of: datetime, now: datetime) -> ProgrammeRun:
    """The run recorded before its batches, with its seed and share and nobody drawn yet.
    Raises Invalid (asOf outside 1900-2200)."""
    as_of = as_utc(check_moment(as_of, ("input", "asOf")))
    seed = new_seed()

    async def write() -> ProgrammeRun:
        async with transaction() as conn:
            setting = await locked(conn, code)
            share = setting.holdout_share
            outreach = await record_outreach(
                conn,
                OutreachKind.PROGRAMME_RUN,
                as_of,
                seed,
                share,
                Draw([], []),
                programme=code.value,
            )
            return await ProgrammeRun.create(
                using_db=conn,
                programme=code,
                as_of=as_of,
                started_at=now,
                outreach_id=outreach.id,
                seed=seed,
                holdout_share=share,
                contacted=0,
                held_out=0,
                skipped=0,
            )

    return await retry_busy(write)


async def run_batch(run: ProgrammeRun, member_ids: Sequence[int]) -> Draw:
    """Select, draw and message the run's audience among `member_ids`, in one transaction
    with their part of the outreach and the run's counts; returns their draw."""

    async def write() -> Draw:
        async with transaction() as conn:
            setting = await locked(conn, run.programme)
            return await _run(conn, setting, run, member_ids)

    return await retry_busy(write)


def sampled(found: list[Candidate], rate: float, seed: int) -> list[Candidate]:
    """The revisit's sample: each purchase at `rate`, reproducibly from the seed; a member
    surveyed about their first purchase sampled."""
    sample_seed = seed ^ _SAMPLE_SALT
    chosen: dict[int, Candidate] = {}
    for candidate in found:
        assert candidate.purchase_id is not None
        if rate and held_out(sample_seed, candidate.purchase_id, rate):
            chosen.setdefault(candidate.member_id, candidate)
    return list(chosen.values())


async def _run(
    conn: Any, setting: ProgrammeSetting, run: ProgrammeRun, member_ids: Sequence[int]
) -> Draw:
    as_of = as_utc(run.as_of)
    found = await candidates(setting, as_of, conn, member_ids)
    if setting.code is ProgrammeCode.SATISFACTION_REVISIT:
        found = sampled(found, setting.sample_rate, run.seed)
    audience = [c for c in found if c.consents]
    # The run's own share: a change of the settings meanwhile applies to the next run.
    drawn = draw([c.member_id for c in audience], run.holdout_share, run.seed)
    if not found:
        return drawn
    contacted = set(drawn.contacted)
    to_send = [c for c in audience if c.member_id in contacted]
    now = run.started_at
    rows, tokens = await _messages(conn, setting, to_send, as_of, now)
    if rows:
        await communications.insert_messages(conn, rows, now)
    if tokens:
        await insert_rows(conn, SurveyToken, tokens)
    await add_to_outreach(conn, run.outreach_id, drawn)
    await (
        ProgrammeRun.filter(id=run.id)
        .using_db(conn)
        .update(
            contacted=F("contacted") + len(drawn.contacted),
            held_out=F("held_out") + len(drawn.held_out),
            skipped=F("skipped") + (len(found) - len(audience)),
        )
    )
    return drawn


async def _messages(
    conn: Any,
    setting: ProgrammeSetting,
    to_send: list[Candidate],
    as_of: datetime,
    now: datetime,
) -> tuple[list[Communication], list[_Token]]:
    code = setting.code
    gifts: dict[int, list[str]] = {}
    if code is ProgrammeCode.BIRTHDAY_GREETING:
        gifts = await benefits.birthday_benefits(conn, [c.tier_id for c in to_send], as_of)
    rows: list[Communication] = []
    tokens: list[_Token] = []
    for candidate in to_send:
        channel = communications.notice_channel(candidate.email)
        token = None
        if code is ProgrammeCode.SATISFACTION_REVISIT:
            token, digest = new_token()
            assert candidate.purchase_id is not None
            life = now + TOKEN_LIFE
            tokens.append(
                _Token(digest, candidate.member_id, candidate.purchase_id, channel, now, life)
            )
        message = _message(setting, candidate, gifts.get(candidate.tier_id, []), token)
        rows.append(
            Communication(
                member_id=candidate.member_id,
                channel=channel,
                direction=Direction.OUTBOUND,
                category=message.category,
                subject=message.subject,
                content=message.content,
                occurred_at=now,
                programme=code.value,
            )
        )
    return rows, tokens


def _message(
    setting: ProgrammeSetting, candidate: Candidate, gifts: list[str], token: str | None
) -> messages.Message:
    code = setting.code
    if token is not None:
        return messages.survey(candidate, token)
    if code is ProgrammeCode.CHURN_WARNING:
        return messages.care(setting, candidate)
    if code is ProgrammeCode.PROFILE_REMINDER:
        return messages.reminder(candidate)
    return messages.greeting(candidate, gifts)


def programme_runs(code: ProgrammeCode | None) -> QuerySet[ProgrammeRun]:
    """Runs of one programme or of all, newest first (programmeRuns)."""
    runs = ProgrammeRun.all().order_by("-id")
    return runs.filter(programme=code) if code is not None else runs
