"""The scheduled job `programmes` (MEMBERHUB_SCHEDULE_PROGRAMMES): every enabled programme
run once per slot, as of the slot."""

from __future__ import annotations

from datetime import datetime

from core.ids import to_global_id
from models.enums import ProgrammeCode
from services.clock import utcnow
from services.jobs import JobResult, JobRun, ReportProgress
from services.programmes.runs import run_programme
from services.programmes.settings import programmes


async def run_programmes(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Run each enabled programme as of `as_of`, each in its own audited unit of work;
    examined counts the members selected (contacted and held out), changed those
    contacted."""
    run = JobRun("programmes", as_of)
    enabled = [setting.code for setting in await programmes() if setting.enabled]
    examined = contacted = 0
    for done, code in enumerate(enabled):
        if progress is not None:
            progress(done, len(enabled))

        async def work(code: ProgrammeCode = code) -> tuple[list[str], int]:
            result = await run_programme(code, run.as_of, utcnow())
            nonlocal examined
            examined += result.contacted + result.held_out
            return [to_global_id("ProgrammeRun", result.id)], result.contacted

        contacted += await run.audited(work)
    if progress is not None:
        progress(len(enabled), len(enabled))
    return run.result(examined, contacted)
