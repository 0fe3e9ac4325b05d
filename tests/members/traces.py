"""A person who left traces in every corner memberhub keeps, and scans for those traces
in the rows and in the database files (issue 21: erasure that finds everything)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tortoise import connections

from models.enums import (
    CommunicationCategory,
    ContactChannel,
    Direction,
    EnrollmentChannel,
    Gender,
    ReviewDecision,
    Role,
)
from models.member import Member, MembershipApplication
from models.staff import Session
from services import benefits, cases, tags
from services.clock import utcnow
from services.communications import CommunicationEntry, log_communication
from services.members import (
    Profile,
    activate_membership,
    apply_for_membership,
    request_profile_change,
    review_application,
    suspend_member,
    update_member,
)
from services.members.lifecycle import reinstate_member
from services.personal_data import INVENTORY, registered_models
from services.points import adjust_points
from services.tiers import set_member_tier
from tests.benefits.helpers import make_benefit
from tests.conftest import TEST_PASSWORD, make_staff
from tests.tags.helpers import active_tag

NAME = "欧阳娜娜"
FIRST = Profile(
    name=NAME,
    gender=Gender.FEMALE,
    birth_date=date(1990, 1, 1),
    phone="13512349876",
    email="nana.first@example.com",
    address="广州市天河区珠江新城花城大道1号",
    id_number="44030519900101123X",
)
APPROVED = replace(FIRST, email="nana.ouyang@example.com", address="深圳市南山区科技园南区8栋")
# Left pending when the other was approved; the same person by the identity number (on
# another phone; an email alone may be a family's).
LEFTOVER = Profile(
    name=NAME,
    phone="13512340001",
    email=APPROVED.email,
    address="深圳市宝安区新安街道3号",
    id_number=FIRST.id_number,
)
NEWER = Profile(name="欧阳娜", phone="13512340000", email="nana.new@example.com")
ADDRESSES = ("198.51.100.23", "198.51.100.24", "198.51.100.25")
REFERRAL = "NANA-FRIEND-2019"
# Free text staff and the member wrote about her.
NOTES = (
    "资料不全请补充身份证",
    "欧阳娜娜搬家了",
    "深圳市福田区新家园9号",
    "投诉补偿五百分",
    "老板的朋友升金卡",
    "包裹在驿站丢失",
    "已联系顺丰快递员",
    "情绪激动需主管跟进",
    "已补发新的包裹",
    "不是真正的大客户",
    "带了两位客人进贵宾室",
    "误用贵宾室已撤销",
    "涉嫌虚假交易调查中",
)
TERMINATION_NOTE = "违规刷单终止会员"


@dataclass(frozen=True)
class Traces:
    member_id: int
    # As typed: names, contacts, addresses, birth date, client addresses, free text.
    clear: tuple[str, ...]
    # What only the database ever held: the idNumber's ciphertexts and lookup hash,
    # password and activation code hashes, session token hashes.
    stored: tuple[str, ...]
    # Values of both that no row holds any more (replaced before the termination), though
    # the files may: the activation code's hash, the suspension's reason.
    overwritten: tuple[str, ...]

    @property
    def everything(self) -> tuple[str, ...]:
        return (*self.clear, *self.stored)


async def leave_traces(now: datetime) -> Traces:
    """A member with a rejected earlier application, a duplicate left pending, edits,
    requests, points adjusted by hand, a manual tier, a case with notes, tags, a benefit
    use, a suspension and a termination notice: each with text about her."""
    admin = await make_staff(Role.ADMIN, "erasure-admin")
    await make_benefit("LOUNGE")  # and the tier ladder it is held by
    member_id, applications, activation_hash = await _enrolled(now, admin.id)
    await _written_about(member_id, now, admin.id)
    member = await Member.get(id=member_id)
    stored = {
        activation_hash,
        member.password_hash,
        member.id_number_hash,
        member.id_number_enc,
        *(a.id_number_enc for a in await MembershipApplication.filter(id__in=applications)),
        *(s.token_hash for s in await Session.filter(member_id=member_id)),
    } - {None}
    clear = (
        *(value for p in (FIRST, APPROVED, LEFTOVER, NEWER) for value in _typed(p)),
        "1990-01-01",
        *ADDRESSES,
        REFERRAL,
        *NOTES,
        TERMINATION_NOTE,
    )
    overwritten = (str(activation_hash), NOTES[12])
    return Traces(member_id, tuple(dict.fromkeys(clear)), tuple(sorted(stored)), overwritten)  # type: ignore[arg-type]


async def _enrolled(now: datetime, admin_id: int) -> tuple[int, list[int], str | None]:
    """Rejected, then approved and activated, with a duplicate application left pending:
    the member's id, the applications' and the activation code's hash."""

    async def applied(profile: Profile, address: str, **extra: Any) -> MembershipApplication:
        channel = EnrollmentChannel.APP
        return await apply_for_membership(profile, channel, now, client=address, **extra)

    earlier = await applied(FIRST, ADDRESSES[0], referral_code=REFERRAL)
    await review_application(earlier.id, ReviewDecision.REJECT, NOTES[0], admin_id, now)
    approved = await applied(APPROVED, ADDRESSES[1])
    leftover = await applied(LEFTOVER, ADDRESSES[2])
    review = await review_application(approved.id, ReviewDecision.APPROVE, None, admin_id, now)
    member = await Member.get(id=review.application.member_id)
    assert review.activation_code is not None
    await activate_membership(member.member_no, review.activation_code, TEST_PASSWORD, now)
    return member.id, [earlier.id, approved.id, leftover.id], member.activation_code_hash


async def _written_about(member_id: int, now: datetime, admin_id: int) -> None:
    """Edits, a change request, points and a tier by hand, a case with its notes, tags,
    a benefit use revoked, a suspension lifted: free text about her in each."""
    supervisor = await make_staff(Role.SERVICE, "erasure-supervisor")
    await update_member(member_id, NEWER, now)
    await request_profile_change(member_id, Profile(address=NOTES[2]), NOTES[1], now)
    await adjust_points(member_id, 500, NOTES[3], "adjust-nana", now, created_by_id=admin_id)
    await set_member_tier(member_id, "GOLD", NOTES[4], now, created_by_id=admin_id)
    contact = CommunicationEntry(
        member_id,
        ContactChannel.PHONE,
        Direction.INBOUND,
        CommunicationCategory.COMPLAINT,
        subject=f"{NAME}的包裹",
        content=NOTES[5],
        occurred_at=now,
    )
    case_id = (await log_communication(contact, now, staff_id=admin_id)).case_id
    await cases.respond_to_case(case_id, NOTES[6], None, now, staff_id=admin_id)  # type: ignore[arg-type]
    await cases.escalate_case(case_id, supervisor.id, NOTES[7], now, staff_id=admin_id)  # type: ignore[arg-type]
    await cases.resolve_case(case_id, NOTES[8], None, now, staff_id=supervisor.id)  # type: ignore[arg-type]
    for code in ("vip", "lounge-regular"):
        await active_tag(code)
    await tags.assign_tag(member_id, "vip", admin_id, now, note=f"{NAME} VIP")
    await tags.report_tag_error(member_id, "vip", NOTES[9], admin_id, now)
    await tags.assign_tag(member_id, "lounge-regular", admin_id, now, note=f"{NAME} 常客")
    usage = await benefits.use_benefit(member_id, "LOUNGE", "lounge-1", now, note=NOTES[10])
    await benefits.revoke_usage(usage.id, NOTES[11], now, revoked_by_id=admin_id)
    await suspend_member(member_id, NOTES[12], now)
    await reinstate_member(member_id, utcnow())


def _typed(profile: Profile) -> list[str]:
    given = profile.given()
    given.pop("gender", None)
    given.pop("birth_date", None)
    return [str(value) for value in given.values()]


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def found_in_rows(values: tuple[str, ...]) -> dict[str, set[str]]:
    """Which of `values` any row of any model holds, by model.column: every text, JSON
    and date column, all of them classified in the inventory."""
    found: dict[str, set[str]] = {}
    for name, model in registered_models().items():
        columns = list(INVENTORY[name].columns)
        if not columns:
            continue
        for row in await model.all().values(*columns):
            for column, value in row.items():
                hits = {v for v in values if value is not None and v in _text(value)}
                if hits:
                    found.setdefault(f"{name}.{column}", set()).update(hits)
    return found


@contextmanager
def reader_open() -> Iterator[sqlite3.Connection]:
    """Another connection in a read transaction: its snapshot blocks a TRUNCATE checkpoint."""
    reader = sqlite3.connect(connections.get("default").filename)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM member").fetchall()
        yield reader
    finally:
        reader.close()


def database_files() -> list[Path]:
    main = Path(connections.get("default").filename)
    return [path for path in (main, Path(f"{main}-wal")) if path.exists()]


def found_in_files(values: tuple[str, ...]) -> set[str]:
    """Values present in the raw bytes of the database file and its write-ahead log, as
    UTF-8 or as JSON's \\u escapes."""
    contents = b"".join(path.read_bytes() for path in database_files())
    return {
        value
        for value in values
        if value.encode() in contents or json.dumps(value)[1:-1].encode() in contents
    }
