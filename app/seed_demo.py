"""Demo data for `memberhub seed-demo`: staff of every role and the tier ladder
(app/seed.py); members, purchases, tags, cases and requests awaiting review in the other
app/seed_*.py modules, always through services.

The demo fills a database that holds no member and no application yet; on any other it
changes nothing (a second run would add another set of members beside the first, and
demo members have no place among real ones).
"""

from __future__ import annotations

from app import (
    seed_benefits,
    seed_communications,
    seed_members,
    seed_points,
    seed_programmes,
    seed_requests,
    seed_tags,
)
from app.seed import DEMO_PASSWORD, seed_staff, seed_tiers
from models.member import Member, MembershipApplication
from services.members.enrollment import member_no_of


async def seed_demo(members: int) -> str:
    """Seed `members` members (the first the demo member who signs in) and the rest of
    the demo, on a database without members or applications. What was done (or why
    nothing was), with the credentials to sign in: lines to show the operator."""
    held = await Member.all().count(), await MembershipApplication.all().count()
    if any(held):
        return (
            f"the database already holds {held[0]} members and {held[1]} membership "
            "applications: seed-demo changed nothing (it fills an empty database only)"
        )
    staff = await seed_staff()
    await seed_tiers()
    await seed_benefits.seed()
    member_ids: list[int] = []
    if members > 0:
        member_ids = [await seed_members.enroll_demo_member(DEMO_PASSWORD)]
        member_ids += await seed_members.seed(members - 1)
    await seed_points.seed(member_ids)
    await seed_tags.seed(member_ids, staff)
    await seed_communications.seed(member_ids, staff)
    applications, changes = await seed_requests.seed(member_ids, staff)
    await seed_programmes.seed(member_ids)
    lines = [
        f"demo data ready: {len(member_ids)} members, {applications} pending applications, "
        f"{changes} pending profile changes",
        "staff users " + ", ".join(s.username for s in staff) + f" with password {DEMO_PASSWORD!r}",
    ]
    if member_ids:
        member_no = member_no_of(member_ids[0])
        lines.append(
            f"member {member_no}, phone {seed_members.DEMO_PHONE}, with password "
            f"{DEMO_PASSWORD!r} (memberLogin takes either as identifier)"
        )
    return "\n".join(lines)
