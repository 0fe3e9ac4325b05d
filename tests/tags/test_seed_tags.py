"""The demo tags: the policy's examples, reviewed by a second staff member, computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import seed_tags
from app.seed import seed_staff
from models.enums import TagSource, TagStatus
from models.member import Member
from models.tag import MemberTag, TagDefinition
from services.clock import age_on, local_date, utcnow
from tests.factories import make_member
from tests.tags.helpers import carriers


async def test_the_demo_tags_are_approved_by_another_staff_member_and_computed(db) -> None:
    # given twenty members, the richest born in 1990
    staff = await seed_staff()
    members = [await make_member(birth_date=date(1990 + n, 1, 1)) for n in range(20)]
    for n, member in enumerate(members):
        await Member.filter(id=member.id).update(lifetime_spend=Decimal(1000 - n))
    ids = [m.id for m in members]
    # when seeded twice
    await seed_tags.seed(ids, staff)
    await seed_tags.seed(ids, staff)
    # then
    definitions = await TagDefinition.all()
    assert {t.code for t in definitions} == {code for code, *_ in seed_tags.DEMO_TAGS}
    assert all(t.status is TagStatus.ACTIVE for t in definitions)
    assert all(t.reviewed_by_id != t.created_by_id for t in definitions)
    assert await carriers("vip") == {ids[0]}
    assert await carriers("potential") == {ids[1], ids[2]}
    today = local_date(utcnow())
    thirties = {m.id for m in members if 26 <= age_on(m.birth_date, today) <= 35}  # type: ignore[arg-type]
    assert thirties and await carriers("age-26-35") == thirties
    assert await MemberTag.filter(tag__code="age-26-35", source=TagSource.RULE).count() == len(
        thirties
    )
    # members without profiling consent get no behaviour tags
    assert await carriers("spend-low") == set()
