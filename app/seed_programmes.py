"""Demo programmes for `memberhub seed-demo`, written through services/programmes and
services/members: every programme enabled (the worker beside `memberhub serve` runs them
at 10:00 and the development sink receives what they send), the churn warning naming a
coupon, and a few members whose birthday is the day of seeding, with their consent, so the
birthday greeting has someone to greet (`runProgramme` on the day; the other programmes
find their members in the demo's history: AT_RISK members, purchases of a week ago,
members who joined over a year ago)."""

from __future__ import annotations

from datetime import date

from app.seed import living_members
from models.enums import ProgrammeCode
from services import members
from services.clock import local_date, utcnow
from services.programmes import ProgrammeChange, update_programme

BIRTHDAYS = 3
COUPON = "WELCOME-BACK"


async def seed(member_ids: list[int]) -> None:
    now = utcnow()
    for code in ProgrammeCode:
        coupon = COUPON if code is ProgrammeCode.CHURN_WARNING else None
        await update_programme(code, ProgrammeChange(enabled=True, benefit_code=coupon), now)
    today = local_date(now)
    living = await living_members(member_ids[1:], "id", "birth_date")
    for member_id, born in living[:BIRTHDAYS]:
        birthday = _on(today, born.year)
        await members.update_member(member_id, members.Profile(birth_date=birthday), now)
        consents: dict[str, bool | None] = {"marketing_email": True, "marketing_sms": True}
        await members.set_consents(member_id, consents, now)


def _on(day: date, year: int) -> date:
    """`day`'s month and day in `year`, or in the leap year before it for 29 February (the
    demo's members were born in 1956-2008, where every fourth year is a leap year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year - year % 4)
