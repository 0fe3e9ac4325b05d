"""Dates and times outside 1900-2200 are INVALID everywhere (DESIGN §2, issue 21): job
asOf over GraphQL, from the CLI and in the services; input fields and arguments; years
Python cannot even hold. Nothing runs and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import jobs
from models.enums import MemberStatus, Role
from models.member import Member, MembershipApplication
from models.points import PointsEntry, Purchase
from models.tier import TierChange
from services.clock import utcnow
from services.errors import Invalid
from tests.factories import make_member, make_tiers
from tests.members.conftest import apply
from tests.points.helpers import gid, record, staff_api

JOBS = ["runTierEvaluation", "runPointsExpiry", "runTagRefresh", "runTerminations"]
# The cases: years 36, 1 and 9999 answered INTERNAL_SERVER_ERROR, and 1899, 2201
# lie just outside; Python holds no year 10000.
OUTSIDE = [
    "0036-08-23T03:52:40Z",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
]
MEMBERHUB = str(Path(sys.executable).with_name("memberhub"))


def _job(name: str) -> str:
    return f"mutation($asOf: DateTime) {{ {name}(asOf: $asOf) {{ job changed }} }}"


def _codes(result: dict) -> list[str]:
    return [error["extensions"]["code"] for error in result["errors"]]


@pytest.mark.parametrize("as_of", OUTSIDE)
async def test_every_job_refuses_an_as_of_outside_the_years_and_changes_nothing(as_role, as_of):
    # Given a GOLD member with no spend (evaluation would demote them) and a member whose
    # termination is due (the terminations job would terminate them),
    gold = (await make_tiers())[2]
    kept = await make_member(tier=gold)
    due = await make_member(
        status=MemberStatus.TERMINATING, termination_effective_at=utcnow() - timedelta(minutes=1)
    )
    admin = await as_role(Role.ADMIN)
    for name in JOBS:
        # when each job is asked to run as of a moment outside 1900-2200,
        result = await admin(_job(name), {"asOf": as_of})
        # then it answers INVALID (never an unexpected error) and runs not at all.
        assert result["data"] is None, name
        assert _codes(result) == ["INVALID"], (name, result)
    assert (await Member.get(id=kept.id)).tier_id == gold.id
    assert (await Member.get(id=due.id)).status is MemberStatus.TERMINATING
    assert await TierChange.all().count() == 0


async def test_a_job_as_of_written_inline_is_refused_too(as_role):
    admin = await as_role(Role.ADMIN)
    result = await admin('mutation { runTagRefresh(asOf: "0036-08-23T03:52:40Z") { job } }')
    assert _codes(result) == ["INVALID"]
    assert result["errors"][0]["extensions"]["field"] == ["asOf"]


@pytest.mark.parametrize("as_of", ["1900-01-01T00:00:00Z", "2200-12-31T23:59:59Z"])
async def test_the_first_and_last_moments_of_the_years_are_accepted(as_role, as_of):
    admin = await as_role(Role.ADMIN)
    for name in JOBS:
        result = await admin(_job(name), {"asOf": as_of})
        assert "errors" not in result, result
        assert result["data"][name]["changed"] == 0


@pytest.mark.parametrize("occurred_at", ["1899-12-31T23:59:59Z", "0036-08-23T03:52:40+08:00"])
async def test_a_purchase_before_1900_is_invalid_at_its_field(api, occurred_at):
    member = await make_member()
    result = await record(await staff_api(api), member.id, "ORD-1", "10.00", occurredAt=occurred_at)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", ["input", "occurredAt"])
    ]
    assert await Purchase.all().count() == 0
    assert await PointsEntry.all().count() == 0


async def test_a_birth_date_after_2200_is_invalid_at_its_field(api):
    await make_tiers()
    applied = await apply(api, birthDate="2201-01-01")
    assert [(e["code"], e["field"]) for e in applied["errors"]] == [
        ("INVALID", ["input", "birthDate"])
    ]
    assert await MembershipApplication.all().count() == 0


@pytest.mark.parametrize("birth_date", ["10000-01-01", "0000-01-01", "-0001-01-01"])
async def test_a_date_python_cannot_hold_is_invalid_not_an_error_of_ours(api, birth_date):
    await make_tiers()
    result = await api(
        "mutation($i: ApplyForMembershipInput!) { applyForMembership(input: $i) { __typename } }",
        {
            "i": {
                "name": "李小红",
                "phone": "13812345678",
                "channel": "APP",
                "birthDate": birth_date,
            }
        },
    )
    assert result["data"] is None
    assert _codes(result) == ["INVALID"]
    assert await MembershipApplication.all().count() == 0


@pytest.mark.parametrize("variables", [True, False], ids=["variable", "inline"])
async def test_a_query_argument_outside_the_years_is_invalid(as_role, variables):
    admin = await as_role(Role.ADMIN)
    if variables:
        query = "query($from: DateTime) { insights(from: $from) { newMembers } }"
        result = await admin(query, {"from": "9999-12-31T00:00:00Z"})
    else:
        result = await admin('{ insights(from: "9999-12-31T00:00:00Z") { newMembers } }')
    assert result["data"] is None
    [error] = result["errors"]
    assert error["path"] == ["insights"]
    assert error["extensions"] == {"code": "INVALID", "field": ["from"]}


async def test_a_nested_date_argument_outside_the_years_is_invalid(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    query = 'query($id: ID!) { member(id: $id) { pointsExpiringBy(date: "1899-12-31") } }'
    result = await admin(query, {"id": gid(member.id)})
    assert result["data"]["member"] == {"pointsExpiringBy": None}
    assert result["errors"][0]["extensions"] == {"code": "INVALID", "field": ["date"]}


@pytest.mark.parametrize("name", sorted(jobs.JOBS))
async def test_each_job_service_refuses_an_as_of_outside_the_years(name):
    # The worker and the CLI call the services directly: they keep to the same rule.
    with pytest.raises(Invalid) as refused:
        await jobs.job(name)(datetime(1899, 12, 31, tzinfo=UTC))
    assert refused.value.field == ["asOf"]


@pytest.mark.parametrize("as_of", ["0036-08-23T03:52:40Z", "2201-01-01T00:00:00Z", "10000-01-01"])
def test_run_job_from_the_cli_refuses_an_as_of_outside_the_years(tmp_path, as_of):
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": f"sqlite://{tmp_path}/cli.db"}
    result = subprocess.run(
        [MEMBERHUB, "run-job", "tier-evaluation", "--as-of", as_of],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "between 1900 and 2200" in result.stderr
    assert "Traceback" not in result.stderr
