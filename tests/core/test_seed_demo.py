"""`memberhub seed-demo` leaves a demo of every role's work (issue 22 §7): a member who
signs in with the printed credentials, applications and profile changes awaiting review,
open and overdue cases, tiers the tier evaluation keeps, and a second run that changes
nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from app.seed_demo import seed_demo
from models.enums import ApplicationStatus, Role, TierChangeReason
from models.member import MembershipApplication, ProfileChangeRequest
from models.tier import TierChange
from services.clock import utcnow
from services.personal_data import registered_models
from services.tiers import run_tier_evaluation
from tests.conftest import staff_token

# Enough members for every fate of a service case (app/seed_communications.py).
MEMBERS = 40
MEMBER_LINE = re.compile(r"member (M\d{8}), phone (\d{11}), with password '([^']+)'")
MEMBERHUB = str(Path(sys.executable).with_name("memberhub"))
LOGIN = """mutation($i: String!, $p: String!) {
  memberLogin(input: {identifier: $i, password: $p}) {
    session { token viewer { member { memberNo } } } errors { code message } } }"""
WAITING = """{
  membershipApplications(status: PENDING) { totalCount }
  profileChangeRequests(status: PENDING) { totalCount }
  overdue: serviceCases(overdue: true) { totalCount }
  open: serviceCases(status: OPEN) { totalCount } }"""


async def _row_counts() -> dict[str, int]:
    return {name: await model.all().count() for name, model in registered_models().items()}


async def test_the_printed_member_signs_in_with_phone_or_member_number(api):
    report = await seed_demo(MEMBERS)
    member_no, phone, password = MEMBER_LINE.search(report).groups()
    assert phone == "13800138000"  # the number README shows
    for identifier in (phone, member_no):
        login = (await api(LOGIN, {"i": identifier, "p": password}))["data"]["memberLogin"]
        assert login["errors"] == []
        assert login["session"]["viewer"]["member"]["memberNo"] == member_no
    token = (await api(LOGIN, {"i": phone, "p": password}))["data"]["memberLogin"]["session"]
    mine = await api.as_(token["token"])(
        "{ me { tier { code } pointsBalance purchases(first: 1) { totalCount } } }"
    )
    assert mine["data"]["me"]["purchases"]["totalCount"] > 0


async def test_work_waits_for_staff_and_the_tiers_stand_as_evaluated(api):
    report = await seed_demo(MEMBERS)
    assert re.search(r"8 pending applications, 4 pending profile changes", report)
    service = api.as_(await staff_token(Role.SERVICE, "demo-reader"))
    waiting = (await service(WAITING))["data"]
    assert waiting["membershipApplications"]["totalCount"] == 8
    assert waiting["profileChangeRequests"]["totalCount"] == 4
    assert waiting["overdue"]["totalCount"] >= 1
    assert waiting["open"]["totalCount"] >= 1
    # Filed by applicants themselves and by staff at a counter, call centre, event, partner.
    channels = await MembershipApplication.filter(status=ApplicationStatus.PENDING).values_list(
        "channel", flat=True
    )
    assert {c.value for c in channels} >= {"APP", "STORE", "CUSTOMER_SERVICE", "EVENT"}
    assert await ProfileChangeRequest.filter(member_id=1).count() == 1  # the demo member's
    assert await TierChange.filter(reason=TierChangeReason.PROMOTION).exists()
    # The evaluation the worker runs each quarter finds every tier as the seed left it,
    # run at once or within the day.
    before = await _row_counts()
    for as_of in (utcnow(), utcnow() + timedelta(hours=23)):
        evaluation = await run_tier_evaluation(as_of)
        assert evaluation.examined > 0 and evaluation.changed == 0
    after = await _row_counts()
    assert after == {**before, "AuditEntry": after["AuditEntry"]}


async def test_a_second_seed_changes_nothing_and_says_so():
    await seed_demo(MEMBERS)
    before = await _row_counts()
    report = await seed_demo(MEMBERS)
    assert report == (
        f"the database already holds {MEMBERS} members and {MEMBERS + 8} membership "
        "applications: seed-demo changed nothing (it fills an empty database only)"
    )
    assert await _row_counts() == before


def test_the_cli_prints_the_credentials_then_refuses_to_seed_again(tmp_path):
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": f"sqlite://{tmp_path}/demo.db"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [MEMBERHUB, *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)

    assert run("migrate").returncode == 0
    first = run("seed-demo", "--members", "5")
    assert first.returncode == 0, first.stderr
    assert "staff users admin, operations, service, marketing, analyst, auditor" in first.stdout
    assert MEMBER_LINE.search(first.stdout)
    again = run("seed-demo", "--members", "5")
    assert again.returncode == 0, again.stderr
    assert "seed-demo changed nothing" in again.stdout
