"""The worker's programmes schedule runs the enabled programmes (DESIGN §8, §10), and a
run's holdout is recorded with its seed and drawn again from it."""

from __future__ import annotations

from datetime import UTC, datetime

from app import schedules as app_schedules
from core.settings import get_settings
from models.communication import Communication
from models.enums import JobRunStatus, ProgrammeCode
from models.job import JobLease, JobRun
from models.outreach import Outreach, OutreachMember
from models.programme import ProgrammeRun
from services.db import transaction
from services.outreach import draw
from services.schedules import run_due_jobs
from tests.programmes.helpers import AS_OF, DAY, make_member, run, settle

# 10:30 in Shanghai: the programmes' daily 10:00 slot is due.
NOW = datetime(2026, 6, 15, 2, 30, tzinfo=UTC)
SLOT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


async def at_risk_members(count: int) -> list[int]:
    return [
        (await make_member(joined_at=AS_OF - 400 * DAY, last_purchase_at=AS_OF - 100 * DAY)).id
        for _ in range(count)
    ]


async def test_the_worker_runs_every_enabled_programme_once_per_slot(db):
    # Given the schedules started long ago, churn warning enabled, profile reminder not
    async with transaction():
        await JobLease.create(job="programmes", slot=datetime(2000, 1, 1, tzinfo=UTC))
    await settle(ProgrammeCode.CHURN_WARNING, enabled=True)
    await settle(ProgrammeCode.PROFILE_REMINDER, enabled=False)
    members = await at_risk_members(3)

    settings = get_settings()
    schedule = [s for s in app_schedules.configured(settings) if s.job == "programmes"]

    assert await run_due_jobs(NOW, "worker-1", schedule, settings.tz) == 1

    (record,) = await ProgrammeRun.all()
    assert (record.programme, record.as_of, record.contacted) == (
        ProgrammeCode.CHURN_WARNING,
        SLOT,
        3,
    )
    job = await JobRun.get(job="programmes")
    assert job.status is JobRunStatus.OK
    assert job.counts == {"examined": 3, "changed": 3}
    assert await Communication.filter(member_id__in=members).count() == 3
    # The next tick in the same slot runs nothing again
    assert await run_due_jobs(NOW + DAY / 24, "worker-2", schedule, settings.tz) == 0


async def test_the_holdout_is_recorded_and_reproducible_from_the_seed(db):
    await settle(ProgrammeCode.CHURN_WARNING, holdout_share=0.3)
    members = await at_risk_members(40)

    result = await run(ProgrammeCode.CHURN_WARNING)

    outreach = await Outreach.get(id=result.outreach_id)
    assert (outreach.programme, outreach.seed, outreach.holdout_share) == (
        "CHURN_WARNING",
        result.seed,
        0.3,
    )
    held = set(
        await OutreachMember.filter(outreach_id=outreach.id, held_out=True).values_list(
            "member_id", flat=True
        )
    )
    assert held == set(draw(members, 0.3, result.seed).held_out)
    assert len(held) == result.held_out > 0
    # Nobody held out was sent anything, everybody else was
    messaged = set(await Communication.all().values_list("member_id", flat=True))
    assert messaged == set(members) - held


async def test_held_out_members_are_in_the_cool_down_too(db):
    await settle(ProgrammeCode.CHURN_WARNING, holdout_share=0.5)
    await at_risk_members(20)
    first = await run(ProgrammeCode.CHURN_WARNING)
    assert first.held_out > 0
    assert (await run(ProgrammeCode.CHURN_WARNING, AS_OF + DAY)).held_out == 0
