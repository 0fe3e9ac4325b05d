"""Demo programmes for `memberhub seed-demo`, written through services/programmes and
services/members: every programme enabled (the worker beside `memberhub serve` runs them
at 10:00 and the development sink receives what they send), the churn warning naming a
coupon, a few members whose birthday is the day of seeding, with their consent, so the
birthday greeting has someone to greet, and a few consenting members with a purchase a
week before it, which the satisfaction revisit surveys every purchase of (`runProgramme`
on the day: the survey codes reach the sink, and `respondToSurvey` takes them; the other
programmes find their members in the demo's history: AT_RISK members, members who joined
over a year ago)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from app.seed import living_members
from models.enums import MemberStatus, ProgrammeCode
from services import members, points
from services.clock import local_date, utcnow
from services.programmes import ProgrammeChange, update_programme

BIRTHDAYS = 3
SURVEYED = 3
COUPON = "WELCOME-BACK"
CONSENTING: dict[str, bool | None] = {"marketing_email": True, "marketing_sms": True}


async def seed(member_ids: list[int]) -> None:
    now = utcnow()
    delay = {}
    for code in ProgrammeCode:
        coupon = COUPON if code is ProgrammeCode.CHURN_WARNING else None
        every = 1.0 if code is ProgrammeCode.SATISFACTION_REVISIT else None
        change = ProgrammeChange(enabled=True, benefit_code=coupon, sample_rate=every)
        delay[code] = (await update_programme(code, change, now)).delay_days
    today = local_date(now)
    living = await living_members(member_ids[1:], "id", "birth_date", "status")
    active = [row for row in living if row[2] is MemberStatus.ACTIVE]
    for member_id, born, _ in active[:BIRTHDAYS]:
        birthday = _on(today, born.year)
        await members.update_member(member_id, members.Profile(birth_date=birthday), now)
        await members.set_consents(member_id, CONSENTING, now)
    week_ago = now - timedelta(days=delay[ProgrammeCode.SATISFACTION_REVISIT])
    for n, (member_id, _, _) in enumerate(active[BIRTHDAYS : BIRTHDAYS + SURVEYED], 1):
        await members.set_consents(member_id, CONSENTING, now)
        order = f"DEMO-SURVEYED-{n}"
        await points.record_purchase(member_id, order, Decimal("88.00"), now, occurred_at=week_ago)


def _on(day: date, year: int) -> date:
    """`day`'s month and day in `year`, or in the leap year before it for 29 February (the
    demo's members were born in 1956-2008, where every fourth year is a leap year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year - year % 4)
