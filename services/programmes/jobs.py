"""The scheduled job `programmes` (MEMBERHUB_SCHEDULE_PROGRAMMES): every enabled programme
run once per slot, as of the slot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.ids import to_global_id
from models.enums import ProgrammeCode
from models.programme import ProgrammeRun
from services.clock import utcnow
from services.jobs import JobResult, JobRun, ReportProgress, for_each
from services.programmes.runs import audience_pages, run_batch, start_run
from services.programmes.settings import programmes

Step = tuple[list[str], int]


# Members a programme's batch selects among, in one transaction.
BATCH_SIZE = 250


async def run_programmes(as_of: datetime, progress: ReportProgress | None = None) -> JobResult:
    """Run each enabled programme as of `as_of`, a batch of members per audited unit of
    work (services/programmes/runs.py); examined counts the members selected (contacted
    and held out), changed those contacted."""
    run = JobRun("programmes", as_of)
    enabled = [setting.code for setting in await programmes() if setting.enabled]
    examined = contacted = 0
    for code in enabled:
        selected, sent = await _run_one(run, code, progress)
        examined += selected
        contacted += sent
    return run.result(examined, contacted)


async def _run_one(
    run: JobRun, code: ProgrammeCode, progress: ReportProgress | None
) -> tuple[int, int]:
    """One programme's run, started and then batched; the members selected and contacted."""
    started: list[ProgrammeRun] = []

    async def start() -> Step:
        started.append(await start_run(code, run.as_of, utcnow()))
        return [to_global_id("ProgrammeRun", started[0].id)], 0

    await run.audited(start)
    selected = 0

    async def batch(member_ids: Sequence[int]) -> Step:
        nonlocal selected
        drawn = await run_batch(started[0], member_ids)
        selected += len(drawn.contacted) + len(drawn.held_out)
        return [to_global_id("ProgrammeRun", started[0].id)], len(drawn.contacted)

    # Most members of a batch are not selected, and each batch pays for its lock, audit
    # entry and counts: 50 a batch made the job at 100,000 members take 73 s.
    _, sent = await for_each(run, audience_pages(), batch, progress, batch_size=BATCH_SIZE)
    return selected, sent
