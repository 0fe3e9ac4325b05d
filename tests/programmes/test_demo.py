"""On the demo data every programme finds members and sends through the outbox (issue 26,
"Done when"): seed-demo enables them and gives a few members today's birthday."""

from __future__ import annotations

from tortoise.expressions import Q

from app.seed_demo import seed_demo
from models.delivery import Delivery
from models.enums import ProgrammeCode
from models.points import Purchase
from models.programme import ProgrammeRun
from services.clock import local_date, utcnow
from services.programmes import ProgrammeChange, programmes, run_programme, update_programme

MEMBERS = 40


async def test_each_programme_sends_on_the_demo_data(db):
    await seed_demo(MEMBERS)
    now = utcnow()
    assert all(setting.enabled for setting in await programmes())
    # The revisit surveys every purchase of the demo's latest day of purchases by a member
    # who agreed to be contacted: just after local midnight the day's only purchase may
    # be by one who did not.
    consenting = Q(member__email__isnull=False, member__marketing_email=True) | Q(
        member__email__isnull=True, member__marketing_sms=True
    )
    latest = await Purchase.filter(consenting).order_by("-occurred_at").first()
    assert latest is not None
    delay = (local_date(now) - local_date(latest.occurred_at)).days
    change = ProgrammeChange(sample_rate=1.0, delay_days=delay, holdout_share=0.0)
    await update_programme(ProgrammeCode.SATISFACTION_REVISIT, change, now)
    # A random draw may hold out the whole of a few members' audience.
    for code in ProgrammeCode:
        await update_programme(code, ProgrammeChange(holdout_share=0.0), now)
    queued = await Delivery.all().count()

    runs: list[ProgrammeRun] = [await run_programme(code, now, now) for code in ProgrammeCode]

    assert all(run.contacted > 0 for run in runs), [(r.programme, r.contacted) for r in runs]
    assert await Delivery.all().count() == queued + sum(run.contacted for run in runs)
