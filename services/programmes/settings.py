"""Each programme's settings (DESIGN §10), a row per programme created with its defaults
the first time it is read.

Defaults, where the design leaves them open:
- every programme starts disabled: an upgrade does not start messaging members before an
  operator turns a programme on (`runProgramme` runs one whether enabled or not; the
  worker's schedule runs the enabled ones);
- cool-down: 30 days for the churn warning (a care message a month while a member
  drifts), 90 for the satisfaction revisit (a survey a quarter at most), 365 for the
  profile reminder and the birthday greeting (once a year);
- holdout share 0.1 (the issue's 10 %); the satisfaction revisit surveys 20 % of the
  purchases of the day 7 days before the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from tortoise.expressions import F

from models.enums import ProgrammeCode
from models.programme import ProgrammeSetting
from services.db import retry_busy, transaction
from services.errors import Invalid
from services.outreach import clean_share
from services.validation import clean_text
from shortcuts.sql import fetch_dicts, marks

MAX_COOL_DOWN_DAYS = 3650
MAX_DELAY_DAYS = 365
MAX_BENEFIT_CODE = 64
HOLDOUT_SHARE = 0.1
COOL_DOWN_DAYS = {
    ProgrammeCode.CHURN_WARNING: 30,
    ProgrammeCode.SATISFACTION_REVISIT: 90,
    ProgrammeCode.PROFILE_REMINDER: 365,
    ProgrammeCode.BIRTHDAY_GREETING: 365,
}
SAMPLE_RATE = 0.2
DELAY_DAYS = 7
_COLUMNS = (
    "code",
    "enabled",
    "cool_down_days",
    "holdout_share",
    "sample_rate",
    "delay_days",
    "benefit_code",
)
_CREATE = (
    f"INSERT INTO programme_setting ({', '.join(_COLUMNS)}) VALUES ({marks(len(_COLUMNS))})"
    " ON CONFLICT (code) DO NOTHING"
)


@dataclass(frozen=True)
class ProgrammeChange:
    """What `update_programme` changes; None leaves a setting as it is, and an empty
    benefit code removes it."""

    enabled: bool | None = None
    cool_down_days: int | None = None
    holdout_share: float | None = None
    sample_rate: float | None = None
    delay_days: int | None = None
    benefit_code: str | None = None


def defaults(code: ProgrammeCode) -> ProgrammeSetting:
    return ProgrammeSetting(
        code=code,
        enabled=False,
        cool_down_days=COOL_DOWN_DAYS[code],
        holdout_share=HOLDOUT_SHARE,
        sample_rate=SAMPLE_RATE,
        delay_days=DELAY_DAYS,
        benefit_code=None,
    )


async def programmes() -> list[ProgrammeSetting]:
    """Every programme's settings, in the order of ProgrammeCode (defaults for those never
    changed, not written: reading writes nothing)."""
    stored = {row.code: row for row in await ProgrammeSetting.all()}
    return [stored.get(code) or defaults(code) for code in ProgrammeCode]


async def locked(conn: Any, code: ProgrammeCode) -> ProgrammeSetting:
    """The programme's row in `conn`'s transaction, created with the defaults if missing,
    and locked until it ends: two writers of one programme (runs, updates) take turns.
    The first statement is a write (SQLite's write lock; an INSERT that a concurrent one
    cannot fail), the UPDATE takes PostgreSQL's row lock."""
    row = defaults(code)
    # The code as plain text: asyncpg binds a parameter by its exact type.
    values = [code.value, *(getattr(row, column) for column in _COLUMNS[1:])]
    await fetch_dicts(conn, _CREATE, values)
    await ProgrammeSetting.filter(code=code).using_db(conn).update(enabled=F("enabled"))
    return await ProgrammeSetting.filter(code=code).using_db(conn).get()


def _clean(change: ProgrammeChange) -> ProgrammeChange:
    field = ("input",)
    if change.cool_down_days is not None and not 1 <= change.cool_down_days <= MAX_COOL_DOWN_DAYS:
        raise Invalid(f"A cool-down is 1 to {MAX_COOL_DOWN_DAYS} days.", (*field, "coolDownDays"))
    if change.holdout_share is not None:
        clean_share(change.holdout_share, (*field, "holdoutShare"))
    rate = change.sample_rate
    if rate is not None and (not math.isfinite(rate) or not 0 <= rate <= 1):
        raise Invalid("A sample rate is from 0 to 1.", (*field, "sampleRate"))
    if change.delay_days is not None and not 0 <= change.delay_days <= MAX_DELAY_DAYS:
        raise Invalid(f"A delay is 0 to {MAX_DELAY_DAYS} days.", (*field, "delayDays"))
    if change.benefit_code is None:
        return change
    code = clean_text(change.benefit_code, (*field, "benefitCode"), line=True) or ""
    if len(code) > MAX_BENEFIT_CODE:
        raise Invalid(
            f"A benefit code has at most {MAX_BENEFIT_CODE} characters.", (*field, "benefitCode")
        )
    return replace(change, benefit_code=code)


async def update_programme(
    code: ProgrammeCode, change: ProgrammeChange, now: datetime
) -> ProgrammeSetting:
    """Change a programme's settings. Raises Invalid for a value out of its range
    (DESIGN §10)."""
    clean = _clean(change)
    values = {f.name: getattr(clean, f.name) for f in fields(clean)}
    given = {name: value for name, value in values.items() if value is not None}
    if given.get("benefit_code") == "":
        given["benefit_code"] = None

    async def write() -> ProgrammeSetting:
        async with transaction() as conn:
            setting = await locked(conn, code)
            setting.update_from_dict({**given, "updated_at": now})
            await setting.save(using_db=conn)
            return setting

    return await retry_busy(write)
