"""Runs of one programme at once, from several processes (the worker, runProgramme on two
servers), take turns on the programme's row: each member is contacted once."""

from __future__ import annotations

import subprocess
import sys

from models.communication import Communication
from models.delivery import Delivery
from models.enums import ProgrammeCode
from models.programme import ProgrammeRun
from tests.points.test_concurrency import run_together
from tests.processes import ROOT, database_url
from tests.programmes.helpers import AS_OF, DAY, make_member

MEMBERS = 30


def worker(count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.programmes.programme_worker",
            database_url(),
            ProgrammeCode.CHURN_WARNING.value,
            AS_OF.isoformat(),
            str(count),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_runs_from_two_processes_contact_each_member_once(db):
    # Given AT_RISK members and a programme row not created yet (the first runs create it)
    for _ in range(MEMBERS):
        await make_member(joined_at=AS_OF - 400 * DAY, last_purchase_at=AS_OF - 100 * DAY)

    outcomes = await run_together([worker(3), worker(3)])

    # Then every run ended well, and together they selected each member once
    runs = await ProgrammeRun.all()
    assert set(outcomes) == {"OK", "contacted"} and outcomes["OK"] == len(runs) == 6
    assert outcomes["contacted"] == sum(run.contacted for run in runs)
    assert sum(run.contacted + run.held_out for run in runs) == MEMBERS
    messaged = await Communication.all().values_list("member_id", flat=True)
    assert len(messaged) == len(set(messaged)) == await Delivery.all().count()
