"""Programmes over GraphQL (DESIGN §10): settings, runs with their effect and win-back, the
permissions of each role, and the statement count of programmeRuns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.audit import AuditEntry
from models.enums import ProgrammeCode, Role
from models.outreach import OutreachMember
from models.programme import ProgrammeRun
from services.clock import utcnow
from tests.conftest import member_token
from tests.factories import make_purchase
from tests.programmes.helpers import DAY, make_member, settle
from tests.sql_counter import count_sql

PROGRAMMES = (
    "{ programmes { code enabled coolDownDays holdoutShare sampleRate delayDays benefitCode } }"
)
UPDATE = """
mutation($input: UpdateProgrammeInput!) {
  updateProgramme(input: $input) {
    programme { code enabled coolDownDays holdoutShare benefitCode }
    errors { field code }
  }
}
"""
RUN = """
mutation($input: RunProgrammeInput!) {
  runProgramme(input: $input) {
    run { id programme contacted heldOut skipped seed holdoutShare }
    errors { field code }
  }
}
"""
RUNS = """
query($first: Int, $code: ProgrammeCode) {
  programmeRuns(first: $first, code: $code) {
    totalCount
    edges { node {
      id programme asOf contacted heldOut seed
      effect(days: 30) { contacted heldOut convertedContacted convertedHeldOut uplift }
      winBack { contacted heldOut rateContacted rateHeldOut }
    } }
  }
}
"""


async def test_programmes_list_every_programme_with_its_defaults(as_role):
    marketing = await as_role(Role.MARKETING)
    listed = (await marketing(PROGRAMMES))["data"]["programmes"]
    assert [p["code"] for p in listed] == [code.value for code in ProgrammeCode]
    churn = listed[0]
    assert (churn["enabled"], churn["coolDownDays"], churn["holdoutShare"]) == (False, 30, 0.1)


async def test_update_programme_changes_settings_and_is_audited(as_role):
    marketing = await as_role(Role.MARKETING)
    variables = {
        "input": {
            "code": "CHURN_WARNING",
            "enabled": True,
            "coolDownDays": 45,
            "benefitCode": "BACK5",
        }
    }
    body = (await marketing(UPDATE, variables))["data"]["updateProgramme"]
    assert body["errors"] == []
    assert body["programme"] == {
        "code": "CHURN_WARNING",
        "enabled": True,
        "coolDownDays": 45,
        "holdoutShare": 0.1,
        "benefitCode": "BACK5",
    }
    audited = [entry.fields_ for entry in await AuditEntry.all()]
    assert ["updateProgramme"] in audited
    cleared = {"input": {"code": "CHURN_WARNING", "benefitCode": ""}}
    assert (await marketing(UPDATE, cleared))["data"]["updateProgramme"]["programme"][
        "benefitCode"
    ] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("holdoutShare", 0.51),
        ("holdoutShare", -0.1),
        ("sampleRate", 1.5),
        ("coolDownDays", 0),
        ("delayDays", -1),
        ("benefitCode", "X" * 65),
    ],
)
async def test_out_of_range_settings_are_invalid_and_change_nothing(as_role, field, value):
    admin = await as_role(Role.ADMIN)
    variables = {"input": {"code": "SATISFACTION_REVISIT", field: value}}
    body = (await admin(UPDATE, variables))["data"]["updateProgramme"]
    assert body["errors"] == [{"field": ["input", field], "code": "INVALID"}]
    listed = (await admin(PROGRAMMES))["data"]["programmes"]
    assert listed[1]["holdoutShare"] == 0.1 and listed[1]["sampleRate"] == 0.2


async def test_run_programme_records_the_run_and_its_seed(as_role):
    operations = await as_role(Role.OPERATIONS)
    now = utcnow()
    await make_member(joined_at=now - 400 * DAY, last_purchase_at=now - 100 * DAY)
    body = (await operations(RUN, {"input": {"code": "CHURN_WARNING"}}))["data"]["runProgramme"]
    assert body["errors"] == []
    run = body["run"]
    assert run["contacted"] + run["heldOut"] == 1
    stored = await ProgrammeRun.get()
    assert run["seed"] == str(stored.seed)


async def test_run_programme_refuses_an_as_of_out_of_range(as_role):
    admin = await as_role(Role.ADMIN)
    variables = {"input": {"code": "PROFILE_REMINDER", "asOf": "1800-01-01T00:00:00Z"}}
    body = (await admin(RUN, variables))["data"]["runProgramme"]
    assert body["errors"][0]["code"] == "INVALID"
    assert await ProgrammeRun.all().count() == 0


async def test_effect_and_win_back_count_purchases_after_the_run(as_role):
    # Given twenty AT_RISK members, half held out
    admin = await as_role(Role.ADMIN)
    await settle(ProgrammeCode.CHURN_WARNING, holdout_share=0.5)
    now = utcnow()
    members = [
        await make_member(joined_at=now - 400 * DAY, last_purchase_at=now - 100 * DAY)
        for _ in range(20)
    ]
    as_of = now - 10 * DAY
    variables = {"input": {"code": "CHURN_WARNING", "asOf": as_of.isoformat()}}
    run = (await admin(RUN, variables))["data"]["runProgramme"]["run"]
    # When one contacted and one held-out member buy after it, and one before it
    stored = await ProgrammeRun.get()
    rows = await OutreachMember.filter(outreach_id=stored.outreach_id).values_list(
        "member_id", "held_out"
    )
    contacted = [m for m, held in rows if not held]
    held_out = [m for m, held in rows if held]
    assert contacted and held_out
    by_id = {m.id: m for m in members}
    await make_purchase(by_id[contacted[0]], "100", as_of + DAY)
    await make_purchase(by_id[held_out[0]], "50", as_of + 2 * DAY)
    await make_purchase(by_id[contacted[-1]], "70", as_of - DAY)
    # Then the effect and the win-back count the two
    node = (await admin(RUNS, {"first": 5}))["data"]["programmeRuns"]["edges"][0]["node"]
    assert node["id"] == run["id"]
    assert node["effect"]["contacted"] == len(contacted)
    assert (node["effect"]["convertedContacted"], node["effect"]["convertedHeldOut"]) == (1, 1)
    win_back = node["winBack"]
    assert (win_back["contacted"], win_back["heldOut"]) == (1, 1)
    assert win_back["rateContacted"] == pytest.approx(1 / len(contacted))
    assert win_back["rateHeldOut"] == pytest.approx(1 / len(held_out))


async def test_win_back_is_null_for_other_programmes(as_role):
    admin = await as_role(Role.ADMIN)
    await admin(RUN, {"input": {"code": "BIRTHDAY_GREETING"}})
    node = (await admin(RUNS, {"first": 5}))["data"]["programmeRuns"]["edges"][0]["node"]
    assert node["programme"] == "BIRTHDAY_GREETING" and node["winBack"] is None


async def _statements(api, first: int) -> int:
    async with count_sql() as counter:
        result = await api(RUNS, {"first": first})
    assert "errors" not in result, result.get("errors")
    assert len(result["data"]["programmeRuns"]["edges"]) == first
    return counter.count


async def test_programme_runs_cost_the_same_statements_at_any_page_size(as_role):
    admin = await as_role(Role.ADMIN)
    now = utcnow()
    for _ in range(3):
        await make_member(joined_at=now - 400 * DAY, last_purchase_at=now - 100 * DAY)
    for day in range(20):
        as_of = (now - timedelta(days=40 * day)).isoformat()
        for code in ("CHURN_WARNING", "PROFILE_REMINDER"):
            await admin(RUN, {"input": {"code": code, "asOf": as_of}})
    assert await _statements(admin, 2) == await _statements(admin, 20)


CELLS = {
    "programmes": {Role.ADMIN, Role.OPERATIONS, Role.MARKETING, Role.ANALYST},
    "updateProgramme": {Role.ADMIN, Role.MARKETING},
    "runProgramme": {Role.ADMIN, Role.OPERATIONS, Role.MARKETING},
}
DOCUMENTS = {
    "programmes": (PROGRAMMES, {}),
    "updateProgramme": (UPDATE, {"input": {"code": "BIRTHDAY_GREETING", "enabled": True}}),
    "runProgramme": (RUN, {"input": {"code": "BIRTHDAY_GREETING"}}),
}


@pytest.mark.parametrize("field", sorted(CELLS))
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MEMBER])
async def test_who_may_use_each_programme_field(as_role, field, role):
    caller = await as_role(role)
    document, variables = DOCUMENTS[field]
    result = await caller(document, variables)
    if role in CELLS[field]:
        assert "errors" not in result, result.get("errors")
    else:
        assert result["data"] is None or result["data"][field] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_members_and_anonymous_callers_may_not_run_programmes(api):
    member = await make_member()
    as_member = api.as_(await member_token(member.id))
    refused = await as_member(RUN, {"input": {"code": "CHURN_WARNING"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api(PROGRAMMES)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
