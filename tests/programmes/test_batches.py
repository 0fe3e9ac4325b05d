"""The programmes job writes a batch of members per transaction: a run stopped between
batches keeps what it sent, and a rerun contacts only those it had not reached."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.enums import ProgrammeCode
from models.programme import ProgrammeRun
from services import jobs
from services.programmes import jobs as programme_jobs
from services.programmes import run_programmes
from services.programmes.runs import run_batch
from tests.programmes.helpers import AS_OF, DAY, make_member, messaged, settle

REMINDER = ProgrammeCode.PROFILE_REMINDER


async def test_a_rerun_after_a_crash_between_batches_contacts_nobody_twice(db, monkeypatch):
    # given 7 members due a profile reminder, and batches of 2 members
    monkeypatch.setattr(jobs, "PAGE", 4)
    monkeypatch.setattr(programme_jobs, "BATCH_SIZE", 2)
    await settle(REMINDER, enabled=True)
    members = [await make_member(joined_at=AS_OF - 900 * DAY) for _ in range(7)]
    # when the job dies after its second batch committed
    batches = 0

    async def dies_on_the_third(run: ProgrammeRun, member_ids: list[int]):
        nonlocal batches
        batches += 1
        if batches == 3:
            raise SystemExit("kill -9")
        return await run_batch(run, member_ids)

    monkeypatch.setattr(programme_jobs, "run_batch", dies_on_the_third)
    with pytest.raises(SystemExit):
        await run_programmes(AS_OF)
    # then the first 4 members were contacted, and the run says so
    sent = [len(await messaged(member.id)) for member in members]
    assert sent == [1, 1, 1, 1, 0, 0, 0]
    (first,) = await ProgrammeRun.all()
    assert first.contacted == 4
    # when it runs again, a moment later, only the 3 it had not reached are contacted
    monkeypatch.setattr(programme_jobs, "run_batch", run_batch)
    result = await run_programmes(AS_OF + timedelta(minutes=1))
    assert (result.examined, result.changed) == (3, 3)
    assert [len(await messaged(member.id)) for member in members] == [1] * 7
