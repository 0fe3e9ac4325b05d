"""Demo members (issue 3 §9): realistic zh_CN data through the services, quickly."""

from __future__ import annotations

import io
import re

from app import seed_members
from app.progress import Progress
from models.enums import MemberStatus
from models.member import Member, MembershipApplication
from models.tier import TierChange
from services import crypto
from services.validation import id_check_character, normalize_email
from tests.factories import make_tiers


async def test_seed_enrolls_valid_realistic_members(db, monkeypatch):
    await make_tiers()
    shown = io.StringIO()
    monkeypatch.setattr(
        seed_members, "Progress", lambda total, label: Progress(total, label, shown)
    )
    ids = await seed_members.seed(200)  # its speed is the bench's data set time
    assert "200/200 100%" in shown.getvalue()  # the progress bar

    assert len(ids) == len(set(ids)) == 200
    rows = await Member.filter(id__in=ids)
    assert {row.status for row in rows} == {MemberStatus.ACTIVE}
    assert len({row.phone for row in rows}) == 200
    for row in rows:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", row.name or ""), row.name
        assert re.fullmatch(r"1[3-9]\d{9}", row.phone or ""), row.phone
        id_number = crypto.decrypt(row.id_number_enc) or ""
        assert id_check_character(id_number[:17]) == id_number[17]
        assert id_number[6:14] == f"{row.birth_date:%Y%m%d}"
        assert (int(id_number[16]) % 2 == 1) == (row.gender.value == "MALE")
        assert re.search(r"[省市].*[区].*号.*室$", row.address or ""), row.address
        if row.email:
            assert normalize_email(row.email, ()) == row.email
    # Through the services: an approved application and an ENROLLMENT tier change each.
    assert await MembershipApplication.filter(member_id__in=ids).count() == 200
    assert await TierChange.filter(member_id__in=ids).count() == 200
    joined = [row.joined_at for row in sorted(rows, key=lambda r: ids.index(r.id))]
    assert joined == sorted(joined)


async def test_seed_is_repeatable_without_duplicates(db):
    await make_tiers()
    first = await seed_members.seed(5, progress=False)
    second = await seed_members.seed(5, progress=False)
    assert len(set(first + second)) == 10
    assert await Member.all().count() == 10
