"""Termination erases the person everywhere: in every row the personal-data inventory
points to, and in the database file and its write-ahead log, also while another
connection holds a read snapshot (issue 3 §7, issue 21)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from contextlib import suppress
from datetime import timedelta

import pytest
from tortoise import connections

from app.metrics import METRICS
from auth.authentication import member_login
from core.ids import to_global_id
from models.enums import (
    ApplicationStatus,
    EnrollmentChannel,
    MemberStatus,
    PointsEntryKind,
    Role,
    TerminationReason,
)
from models.member import Member, MembershipApplication, PendingScrub, RateLimitHit
from models.points import PointsEntry
from models.staff import Session
from resolvers.ids import from_global_id
from services.clock import utcnow
from services.errors import InvalidCredentials
from services.members import scrub_storage, terminate_membership
from services.members.enrollment import APPLY_SCOPE, apply_for_membership
from services.members.profile import Profile
from services.personal_data import erased_tables, registered_models
from services.points import verify_ledger
from services.throttle import SIGNIN_ACCOUNT, SIGNIN_ADDRESS, key_of, member_account, network_of
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.members.conftest import enroll
from tests.members.test_lifecycle import RUN
from tests.members.test_profile import REQUEST, UPDATE
from tests.members.traces import (
    ADDRESSES,
    APPROVED,
    NAME,
    TERMINATION_NOTE,
    found_in_files,
    found_in_rows,
    leave_traces,
    reader_open,
)
from tests.processes import memberhub_cli
from tests.tags.helpers import active_tag

ASSIGN = "mutation($input: AssignTagInput!) { assignTag(input: $input) { errors { code } } }"
REPORT = (
    "mutation($input: ReportTagErrorInput!) { reportTagError(input: $input) { errors { code } } }"
)
TERMINATED = """mutation($input: TerminateMembershipInput!) { terminateMembership(input: $input) {
  member { status } erasurePending errors { code } } }"""
RUN_PENDING = (
    "mutation($asOf: DateTime) { runTerminations(asOf: $asOf) { changed erasuresPending } }"
)

OLD = {
    "name": "欧阳娜娜",
    "phone": "13512349876",
    "email": "nana.ouyang@example.com",
    "idNumber": "44030519900101123X",
    "address": "深圳市南山区科技园南区8栋",
}
NEWER = {"name": "欧阳娜", "phone": "13512340000", "email": "nana.new@example.com"}
# A second process that holds a read snapshot until its stdin closes: a sqlite3 shell
# or `memberhub backup` as an operator would leave it open.
READER = """import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("BEGIN")
db.execute("SELECT count(*) FROM member").fetchall()
print("reading", flush=True)
sys.stdin.read()
"""


async def _checkpoint() -> None:
    await connections.get("default").execute_script("PRAGMA wal_checkpoint(TRUNCATE)")


async def test_termination_erases_the_person_in_every_row_the_inventory_points_to(db):
    now = utcnow()
    traces = await leave_traces(now)
    # The scan is meaningful: before termination every trace is in some row (but the clear
    # idNumber, stored encrypted, and the termination's note, not written yet).
    before = set().union(*(await found_in_rows(traces.everything)).values())
    not_in_rows = {"44030519900101123X", TERMINATION_NOTE, *traces.overwritten}
    assert before == set(traces.everything) - not_in_rows

    # Her attempts are counted under keyed hashes of her addresses and sign-in names.
    member = await Member.get(id=traces.member_id)
    with suppress(InvalidCredentials):
        await member_login(member.phone, "wrong password", now, client=ADDRESSES[1])
    keys = [key_of(APPLY_SCOPE, network_of(address)) for address in ADDRESSES[:2]]
    keys.append(key_of(SIGNIN_ACCOUNT, member_account(member.phone)))
    keys.append(key_of(SIGNIN_ADDRESS, network_of(ADDRESSES[1])))
    assert await RateLimitHit.filter(key__in=keys).count() == 4

    done = await terminate_membership(
        traces.member_id, TerminationReason.VIOLATION, now, note=TERMINATION_NOTE, effective_at=now
    )

    assert done.member.status is MemberStatus.TERMINATED
    assert await found_in_rows(traces.everything) == {}
    applications = await MembershipApplication.filter(phone=None).order_by("id")
    assert [a.status for a in applications] == [
        ApplicationStatus.REJECTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,  # the duplicate left pending, closed by the erasure
    ]
    assert await RateLimitHit.filter(key__in=keys).count() == 0
    assert await Session.filter(member_id=traces.member_id).count() == 0
    # The ledger keeps its facts: every entry, its points and balance; the forfeit its reason.
    entries = await PointsEntry.filter(member_id=traces.member_id).order_by("id")
    assert [(e.kind, e.points, e.balance_after, e.reason) for e in entries] == [
        (PointsEntryKind.ADJUST, 500, 500, None),
        (PointsEntryKind.FORFEIT, -500, 0, "Membership terminated"),
    ]
    assert entries[0].idempotency_key == "adjust-nana"
    assert await verify_ledger() == []


async def test_erasure_leaves_other_members_alone(db):
    now = utcnow()
    traces = await leave_traces(now)
    other = await make_member(name="李小红", phone="13812345678", email="xiaohong@example.com")
    # Her husband applies with the family's email: the same address, another person.
    family = Profile(name="欧阳伟", phone="13900001111", email=APPROVED.email)
    husband = await apply_for_membership(family, EnrollmentChannel.APP, now, client=None)

    await terminate_membership(traces.member_id, TerminationReason.VOLUNTARY, now)

    kept = await Member.get(id=other.id)
    assert (kept.name, kept.phone, kept.email) == ("李小红", "13812345678", "xiaohong@example.com")
    application = await MembershipApplication.get(id=husband.id)
    assert (application.name, application.status) == ("欧阳伟", ApplicationStatus.PENDING)
    assert await PendingScrub.all().count() == 0


async def test_termination_leaves_no_personal_data_in_the_file_or_wal(api, reviewer, sqlite_only):
    approved = await enroll(api, reviewer, **{**OLD, "birthDate": "1990-01-01"})
    member = approved["application"]["member"]
    admin = api.as_(await staff_token(Role.ADMIN))
    # Older values too: an update leaves the previous ones in freed space unless scrubbed.
    await admin(UPDATE, {"input": {"id": member["id"], **NEWER}})
    member_id = int(from_global_id(member["id"])[1])
    mine = api.as_(await member_token(member_id))
    await mine(REQUEST, {"input": {"address": "深圳市福田区新家园9号", "reason": "欧阳娜娜搬家"}})
    # A staff note about the member that outlives the tag: an error report's.
    await active_tag("vip")
    tagged = {"memberId": member["id"], "tagCode": "vip"}
    await admin(ASSIGN, {"input": {**tagged, "note": None}})
    await admin(REPORT, {"input": {**tagged, "note": "欧阳娜娜 is no VIP"}})
    await _checkpoint()
    clear = (*OLD.values(), *NEWER.values(), "深圳市福田区新家园9号", "is no VIP")
    # The scan is meaningful: before termination the data is there in clear (except the
    # idNumber, which is encrypted from the start).
    assert found_in_files(clear) == set(clear) - {OLD["idNumber"]}

    effective = {"effectiveAt": "2020-01-01T00:00:00Z"}
    result = await admin(
        TERMINATED, {"input": {"id": member["id"], "reason": "VIOLATION", **effective}}
    )
    # The answer is written before its changes commit, so the scrub is still to come,
    assert result["data"]["terminateMembership"] == {
        "member": {"status": "TERMINATED"},
        "erasurePending": True,
        "errors": [],
    }
    # and it ran once they were, before the answer left: the WAL frames of the erasure
    # itself are gone too, and a further checkpoint brings nothing back.
    assert await PendingScrub.all().count() == 0
    assert found_in_files(clear) == set()
    await _checkpoint()
    assert found_in_files(clear) == set()


async def test_a_reader_keeps_the_erasure_pending_until_the_retry_after_it_closed(
    api, sqlite_only, caplog
):
    # Given a person with traces everywhere, all in the database file, and another
    # connection reading a snapshot taken before the termination,
    now = utcnow()
    traces = await leave_traces(now)
    await _checkpoint()
    admin = api.as_(await staff_token(Role.ADMIN))
    member_gid = to_global_id("Member", traces.member_id)
    terminate = {"id": member_gid, "reason": "VIOLATION", "effectiveAt": "2020-01-01T00:00:00Z"}
    with reader_open(), caplog.at_level(logging.WARNING):
        # when the member is terminated, the rows are erased at once but the files
        # cannot be: the termination says so, and so do the log, /metrics and the job,
        result = await admin(TERMINATED, {"input": terminate})
        assert result["data"]["terminateMembership"]["erasurePending"] is True
        assert await found_in_rows(traces.everything) == {}
        assert found_in_files(traces.everything)  # still on disk: pending is real
        metrics = (await api.client.get("/metrics")).text
        assert "memberhub_erasures_pending 1" in metrics
        report = await admin(RUN_PENDING, {"asOf": utcnow().isoformat()})
        assert report["data"]["runTerminations"] == {"changed": 0, "erasuresPending": 1}
    pending = [r for r in caplog.records if r.getMessage().startswith("erasure pending")]
    assert pending and pending[0].levelno == logging.WARNING
    assert not any(value in caplog.text for value in traces.everything)

    # then, once the reader has closed, the retry empties the log: nothing is left.
    assert await scrub_storage() == 0
    assert found_in_files(traces.everything) == set()
    assert await PendingScrub.all().count() == 0
    assert METRICS.erasures_pending.current == 0
    report = await admin(RUN_PENDING, {"asOf": utcnow().isoformat()})
    assert report["data"]["runTerminations"] == {"changed": 0, "erasuresPending": 0}


async def test_a_reader_in_another_process_keeps_the_job_pending_for_a_later_run(sqlite_only):
    # Given a member due for termination and another process holding a read snapshot,
    now = utcnow()
    traces = await leave_traces(now)
    await terminate_membership(
        traces.member_id, TerminationReason.INACTIVITY, now, effective_at=now + timedelta(days=1)
    )
    await _checkpoint()
    path = connections.get("default").filename
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "reading"
        as_of = (now + timedelta(days=2)).isoformat()
        # when the scheduled job terminates the member, its report says the erasure is
        # pending, and its log says why;
        first = await memberhub_cli("run-job", "terminations", "--as-of", as_of, "--json")
        assert first.returncode == 0, first.stderr
        report = json.loads(first.stdout)
        assert (report["changed"], report["erasuresPending"]) == (1, 1)
        assert "erasure pending" in first.stderr and NAME not in first.stderr
        assert found_in_files(traces.everything)
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    # then the next run, in a new process, finds it pending and completes it.
    second = await memberhub_cli("run-job", "terminations", "--as-of", as_of, "--json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert (report["changed"], report["erasuresPending"]) == (0, 0)
    assert found_in_files(traces.everything) == set()


async def test_the_job_retries_erasures_left_pending_also_when_nothing_is_due(api, sqlite_only):
    member = await make_member(name="孙丽")
    admin = api.as_(await staff_token(Role.ADMIN))
    past = {"reason": "VIOLATION", "effectiveAt": "2020-01-01T00:00:00Z"}
    with reader_open():
        await admin(TERMINATED, {"input": {"id": to_global_id("Member", member.id), **past}})
    assert await PendingScrub.filter(member_id=member.id).count() == 1

    report = await admin(RUN, {"asOf": utcnow().isoformat()})

    assert report["data"]["runTerminations"]["examined"] == 0
    assert await PendingScrub.all().count() == 0
    assert found_in_files(("孙丽",)) == set()


async def test_postgresql_vacuums_the_tables_erasure_touched(api, db):
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        pytest.skip("SQLite is scrubbed by secure_delete and the checkpoint (tests above)")
    member = await make_member()
    admin = api.as_(await staff_token(Role.ADMIN))
    member_id = to_global_id("Member", member.id)
    result = await admin(
        TERMINATED,
        {"input": {"id": member_id, "reason": "VIOLATION", "effectiveAt": "2020-01-01T00:00:00Z"}},
    )
    assert result["data"]["terminateMembership"]["erasurePending"] is True  # until committed
    await connection.execute_query("SELECT pg_stat_clear_snapshot()")
    tables = list(erased_tables(registered_models()))
    rows = await connection.execute_query_dict(
        "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY($1)", [tables]
    )
    assert {row["relname"] for row in rows if row["vacuum_count"] > 0} == set(tables)
    assert await PendingScrub.all().count() == 0
