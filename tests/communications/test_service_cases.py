"""Service cases over GraphQL: opening, deadlines, the status machine, rating (DESIGN §2)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.settings import get_settings
from models.audit import AuditEntry
from models.communication import Communication, ServiceCase
from models.enums import Role
from resolvers.ids import decode_id
from tests.communications.helpers import (
    ESCALATE,
    OPEN,
    RATE,
    RESOLVE,
    RESPOND,
    case_input,
    codes,
    gid,
    hours_ago,
    member_gid,
    ok,
    top_codes,
)
from tests.conftest import make_staff, member_token
from tests.factories import make_member


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _open(api, member, **extra):
    return ok(await api(OPEN, {"input": case_input(member, **extra)}), "openServiceCase")["case"]


async def test_staff_open_a_complaint_with_24h_and_48h_deadlines(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    opened_at = hours_ago(1)
    case = await _open(service, member, openedAt=opened_at)
    assert case["status"] == "OPEN" and case["kind"] == "COMPLAINT"
    assert _at(case["responseDueAt"]) - _at(opened_at) == timedelta(hours=24)
    assert _at(case["resolutionDueAt"]) - _at(opened_at) == timedelta(hours=48)
    assert case["overdue"] is False
    assert case["assignee"]["displayName"] == "Test service"
    # The description is the case's first, inbound communication.
    assert case["communications"] == [
        {
            "direction": "INBOUND",
            "category": "COMPLAINT",
            "content": "My parcel is a week late.",
            "satisfactionScore": None,
        }
    ]


@pytest.mark.parametrize(("kind", "hours"), [("INQUIRY", 72), ("SUGGESTION", 168)])
async def test_inquiries_and_suggestions_have_their_own_resolution_time(as_role, kind, hours):
    member = await make_member()
    case = await _open(await as_role(Role.SERVICE), member, kind=kind)
    assert _at(case["resolutionDueAt"]) - _at(case["openedAt"]) == timedelta(hours=hours)
    assert _at(case["responseDueAt"]) - _at(case["openedAt"]) == timedelta(hours=24)


@pytest.fixture
def short_deadlines(monkeypatch):
    monkeypatch.setenv("MEMBERHUB_RESPONSE_HOURS", "2")
    monkeypatch.setenv("MEMBERHUB_COMPLAINT_RESOLUTION_HOURS", "6")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_deadlines_are_configurable(as_role, short_deadlines):
    member = await make_member()
    case = await _open(await as_role(Role.SERVICE), member)
    assert _at(case["responseDueAt"]) - _at(case["openedAt"]) == timedelta(hours=2)
    assert _at(case["resolutionDueAt"]) - _at(case["openedAt"]) == timedelta(hours=6)


async def test_member_opens_a_case_for_themselves_only(api):
    member, other = await make_member(), await make_member()
    me = api.as_(await member_token(member.id))
    case = await _open(me, None)
    assert case["member"]["id"] == member_gid(member)
    assert case["assignee"] is None
    result = await me(OPEN, {"input": case_input(other)})
    assert top_codes(result) == {"FORBIDDEN"}
    assert await ServiceCase.filter(member_id=other.id).count() == 0


async def test_open_rejects_bad_values(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    for extra, field in (
        ({"subject": "  "}, "subject"),
        ({"description": ""}, "description"),
        ({"openedAt": hours_ago(-1)}, "openedAt"),
    ):
        result = await service(OPEN, {"input": case_input(member, **extra)})
        assert codes(result, "openServiceCase") == ["INVALID"], extra
        assert result["data"]["openServiceCase"]["errors"][0]["field"] == ["input", field]
    staff_without_member = await service(OPEN, {"input": case_input()})
    assert codes(staff_without_member, "openServiceCase") == ["INVALID"]
    assert await ServiceCase.all().count() == 0


async def test_full_life_of_a_case(api, as_role):
    # Given a complaint opened two hours ago
    member = await make_member()
    service = await as_role(Role.SERVICE)
    supervisor = await make_staff(Role.SERVICE, "supervisor")
    case = await _open(service, member, openedAt=hours_ago(2))
    # When staff respond, escalate, resolve, and the member rates it
    responded = ok(
        await service(RESPOND, {"input": {"id": case["id"], "message": "Looking into it."}}),
        "respondToCase",
    )["case"]
    assert responded["status"] == "RESPONDED" and responded["firstRespondedAt"] is not None
    escalated = ok(
        await service(
            ESCALATE,
            {
                "input": {
                    "id": case["id"],
                    "toStaffId": gid("StaffUser", supervisor.id),
                    "note": "VIP, please handle.",
                }
            },
        ),
        "escalateCase",
    )["case"]
    assert escalated["status"] == "ESCALATED"
    assert escalated["escalatedTo"]["displayName"] == "Test supervisor"
    again = ok(
        await service(RESPOND, {"input": {"id": case["id"], "message": "A supervisor has it."}}),
        "respondToCase",
    )["case"]
    assert again["status"] == "ESCALATED"
    assert again["firstRespondedAt"] == responded["firstRespondedAt"]
    resolved = ok(
        await service(RESOLVE, {"input": {"id": case["id"], "message": "Refunded the shipping."}}),
        "resolveCase",
    )["case"]
    assert resolved["status"] == "RESOLVED" and resolved["resolution"] == "Refunded the shipping."
    me = api.as_(await member_token(member.id))
    rated = ok(
        await me(RATE, {"input": {"id": case["id"], "score": 4, "comment": "Fine"}}), "rateCase"
    )["case"]
    # Then the case is closed with its score, and every step left a communication
    assert rated["status"] == "CLOSED" and rated["satisfactionScore"] == 4
    assert [(c["direction"], c["category"]) for c in rated["communications"]] == [
        ("INBOUND", "COMPLAINT"),
        ("OUTBOUND", "FOLLOW_UP"),
        ("OUTBOUND", "FOLLOW_UP"),
        ("OUTBOUND", "FOLLOW_UP"),
        ("INBOUND", "SURVEY"),
    ]
    # The escalation note is internal: staff see it, the member does not.
    staff_view = (await service(CASE_NODE, {"id": case["id"]}))["data"]["node"]
    assert len(staff_view["communications"]) == 6
    assert "VIP, please handle." in [c["content"] for c in staff_view["communications"]]
    own_history = "{ me { communications { totalCount edges { node { content } } } } }"
    history = (await me(own_history))["data"]["me"]["communications"]
    assert history["totalCount"] == 5
    assert "VIP, please handle." not in [e["node"]["content"] for e in history["edges"]]


CASE_NODE = """
query($id: ID!) {
  node(id: $id) { ... on ServiceCase { status communications { category content } } }
}
"""


async def _resolved_case(service, member):
    case = await _open(service, member)
    ok(await service(RESOLVE, {"input": {"id": case["id"], "message": "Done."}}), "resolveCase")
    return case


async def test_actions_on_a_resolved_case_are_invalid_state(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    supervisor = await make_staff(Role.ADMIN, "boss")
    case = await _resolved_case(service, member)
    for document, field, extra in (
        (RESPOND, "respondToCase", {"message": "Hello?"}),
        (RESOLVE, "resolveCase", {"message": "Again"}),
        (ESCALATE, "escalateCase", {"toStaffId": gid("StaffUser", supervisor.id), "note": "n"}),
    ):
        result = await service(document, {"input": {"id": case["id"], **extra}})
        assert codes(result, field) == ["INVALID_STATE"], field
    assert await Communication.filter(case__member_id=member.id).count() == 2


async def test_rating_rules(api, as_role):
    member, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    me = api.as_(await member_token(member.id))
    open_case = await _open(service, member)
    # Not before it is resolved
    early = await me(RATE, {"input": {"id": open_case["id"], "score": 5}})
    assert codes(early, "rateCase") == ["INVALID_STATE"]
    case = await _resolved_case(service, member)
    # 1 to 5 only
    for score in (0, 6):
        result = await me(RATE, {"input": {"id": case["id"], "score": score}})
        assert codes(result, "rateCase") == ["INVALID"]
        assert result["data"]["rateCase"]["errors"][0]["field"] == ["input", "score"]
    # Another member may not rate it
    stranger = api.as_(await member_token(other.id))
    assert top_codes(await stranger(RATE, {"input": {"id": case["id"], "score": 1}})) == {
        "FORBIDDEN"
    }
    # Once
    ok(await me(RATE, {"input": {"id": case["id"], "score": 2}}), "rateCase")
    twice = await me(RATE, {"input": {"id": case["id"], "score": 5}})
    assert codes(twice, "rateCase") == ["INVALID_STATE"]
    assert (await ServiceCase.get(id=decode_id(case["id"], "ServiceCase"))).satisfaction_score == 2


async def test_escalation_needs_an_active_staff_user(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    case = await _open(service, member)
    retired = await make_staff(Role.SERVICE, "retired")
    retired.active = False
    await retired.save()
    for target, code in (
        (gid("StaffUser", 999), "NOT_FOUND"),
        (gid("StaffUser", retired.id), "INVALID"),
    ):
        result = await service(
            ESCALATE, {"input": {"id": case["id"], "toStaffId": target, "note": "n"}}
        )
        assert codes(result, "escalateCase") == [code]
    unknown = await service(RESPOND, {"input": {"id": gid("ServiceCase", 999), "message": "m"}})
    assert codes(unknown, "respondToCase") == ["NOT_FOUND"]


async def test_response_time_may_not_precede_opening_or_lie_ahead(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    case = await _open(service, member, openedAt=hours_ago(5))
    for at in (hours_ago(6), hours_ago(-1)):
        result = await service(RESPOND, {"input": {"id": case["id"], "message": "m", "at": at}})
        assert codes(result, "respondToCase") == ["INVALID"]
        assert result["data"]["respondToCase"]["errors"][0]["field"] == ["input", "at"]


async def test_members_and_other_roles_may_not_work_cases(api, as_role):
    member = await make_member()
    case = await _open(await as_role(Role.SERVICE), member)
    me = api.as_(await member_token(member.id))
    for caller in (me, await as_role(Role.MARKETING), await as_role(Role.OPERATIONS)):
        result = await caller(RESPOND, {"input": {"id": case["id"], "message": "m"}})
        assert top_codes(result) == {"FORBIDDEN"}


async def test_case_mutations_are_audited_with_case_and_member(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    case = await _open(service, member)
    await service(RATE, {"input": {"id": case["id"], "score": 7}})
    entries = {entry.fields_[0]: entry for entry in await AuditEntry.all()}
    opened, rated = entries["openServiceCase"], entries["rateCase"]
    assert opened.outcome == "OK"
    assert {case["id"], member_gid(member)} <= set(opened.target_ids)
    assert opened.variables["input"]["description"] == "[PII]"
    assert (rated.outcome, rated.error_codes) == ("USER_ERROR", ["INVALID"])
    assert case["id"] in rated.target_ids
