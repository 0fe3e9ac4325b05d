"""logCommunication and Member.communications over GraphQL (DESIGN §2, §3)."""

from __future__ import annotations

from models.audit import AuditEntry
from models.communication import ServiceCase
from models.enums import MemberStatus, Role
from tests.communications.helpers import (
    LOG,
    MEMBER_COMMUNICATIONS,
    OPEN,
    codes,
    gid,
    hours_ago,
    member_gid,
    ok,
    payload,
    top_codes,
)
from tests.conftest import member_token
from tests.factories import make_member


def _log(member, **extra):
    values = {
        "memberId": member_gid(member),
        "channel": "PHONE",
        "direction": "OUTBOUND",
        "category": "CARE",
        "subject": "Birthday call",
        "content": "Wished a happy birthday.",
    }
    return {"input": {**values, **extra}}


async def test_log_records_the_contact_with_its_staff(as_role):
    # Given a member and a service agent
    member = await make_member()
    service = await as_role(Role.SERVICE)
    # When the agent logs a care call
    body = ok(await service(LOG, _log(member, satisfactionScore=5)), "logCommunication")
    # Then it is recorded as given, by that agent, without a case
    communication = body["communication"]
    assert communication["category"] == "CARE"
    assert communication["satisfactionScore"] == 5
    assert communication["member"]["id"] == member_gid(member)
    assert communication["staff"]["displayName"] == "Test service"
    assert communication["case"] is None


async def test_inbound_complaint_without_case_opens_one(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    variables = _log(member, direction="INBOUND", category="COMPLAINT", subject="Rude cashier")
    communication = ok(await service(LOG, variables), "logCommunication")["communication"]
    assert communication["case"]["kind"] == "COMPLAINT"
    assert communication["case"]["status"] == "OPEN"
    assert await ServiceCase.filter(member_id=member.id).count() == 1


async def test_inbound_care_and_outbound_inquiry_open_no_case(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    for direction, category in (("INBOUND", "CARE"), ("OUTBOUND", "INQUIRY")):
        variables = _log(member, direction=direction, category=category)
        assert (
            ok(await service(LOG, variables), "logCommunication")["communication"]["case"] is None
        )
    assert await ServiceCase.filter(member_id=member.id).count() == 0


async def test_inbound_inquiry_on_an_existing_case_opens_no_other(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    opened = ok(
        await service(
            OPEN,
            {
                "input": {
                    "memberId": member_gid(member),
                    "kind": "INQUIRY",
                    "channel": "EMAIL",
                    "subject": "Points",
                    "description": "Where are my points?",
                }
            },
        ),
        "openServiceCase",
    )["case"]
    variables = _log(member, direction="INBOUND", category="INQUIRY", caseId=opened["id"])
    communication = ok(await service(LOG, variables), "logCommunication")["communication"]
    assert communication["case"]["id"] == opened["id"]
    assert await ServiceCase.filter(member_id=member.id).count() == 1


async def test_bad_values_are_invalid_and_write_nothing(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    for extra, field in (
        ({"satisfactionScore": 6}, "satisfactionScore"),
        ({"satisfactionScore": 0}, "satisfactionScore"),
        ({"occurredAt": hours_ago(-2)}, "occurredAt"),
        ({"memberId": "bm9wZQ=="}, "memberId"),
    ):
        result = await service(LOG, _log(member, **extra))
        assert codes(result, "logCommunication") == ["INVALID"], extra
        assert payload(result, "logCommunication")["errors"][0]["field"] == ["input", field]
    listed = await service(MEMBER_COMMUNICATIONS, {"id": member_gid(member)})
    assert listed["data"]["member"]["communications"]["totalCount"] == 0


async def test_terminated_member_and_unknown_case(as_role):
    gone = await make_member(status=MemberStatus.TERMINATED)
    member = await make_member()
    service = await as_role(Role.SERVICE)
    result = await service(LOG, _log(gone))
    assert codes(result, "logCommunication") == ["INVALID_STATE"]
    result = await service(LOG, _log(member, caseId=gid("ServiceCase", 999)))
    assert codes(result, "logCommunication") == ["NOT_FOUND"]


async def test_case_of_another_member_is_invalid(as_role):
    owner, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    body = ok(
        await service(LOG, _log(owner, direction="INBOUND", category="INQUIRY")), "logCommunication"
    )
    result = await service(LOG, _log(other, caseId=body["communication"]["case"]["id"]))
    assert codes(result, "logCommunication") == ["INVALID"]


async def test_marketing_staff_log_marketing_only(as_role):
    member = await make_member()
    marketing = await as_role(Role.MARKETING)
    ok(await marketing(LOG, _log(member, category="MARKETING")), "logCommunication")
    result = await marketing(LOG, _log(member, category="CARE"))
    assert top_codes(result) == {"FORBIDDEN"}
    assert result["data"] is None


async def test_every_log_is_audited_with_its_targets(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    body = ok(await service(LOG, _log(member)), "logCommunication")
    await service(LOG, _log(member, satisfactionScore=9))
    logged = [e for e in await AuditEntry.all().order_by("id") if e.fields_ == ["logCommunication"]]
    assert [e.outcome for e in logged] == ["OK", "USER_ERROR"]
    assert member_gid(member) in logged[0].target_ids
    assert body["communication"]["id"] in logged[0].target_ids
    assert logged[0].variables["input"]["content"] == "[PII]"


# ---------------------------------------------------------------- reading


async def _history(service, member):
    for channel, category, direction in (
        ("SMS", "MARKETING", "OUTBOUND"),
        ("EMAIL", "MARKETING", "OUTBOUND"),
        ("PHONE", "CARE", "OUTBOUND"),
        ("PHONE", "INQUIRY", "INBOUND"),
    ):
        variables = _log(member, channel=channel, category=category, direction=direction)
        ok(await service(LOG, variables), "logCommunication")


async def test_member_communications_filter_by_channel_and_category(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    await _history(service, member)
    read = lambda **v: service(MEMBER_COMMUNICATIONS, {"id": member_gid(member), **v})  # noqa: E731
    everything = (await read())["data"]["member"]["communications"]
    assert everything["totalCount"] == 4
    phone = (await read(channel="PHONE"))["data"]["member"]["communications"]
    assert {e["node"]["category"] for e in phone["edges"]} == {"CARE", "INQUIRY"}
    sms_marketing = (await read(channel="SMS", category="MARKETING"))["data"]["member"]
    assert sms_marketing["communications"]["totalCount"] == 1


async def test_member_communications_pages_newest_first(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    for hours in (3, 1, 2):
        ok(
            await service(LOG, _log(member, occurredAt=hours_ago(hours), subject=f"{hours}h")),
            "logCommunication",
        )
    first = await service(MEMBER_COMMUNICATIONS, {"id": member_gid(member), "first": 2})
    page = first["data"]["member"]["communications"]
    assert [e["node"]["subject"] for e in page["edges"]] == ["1h", "2h"]
    assert page["pageInfo"]["hasNextPage"] is True
    variables = {"id": member_gid(member), "first": 2, "after": page["pageInfo"]["endCursor"]}
    rest = (await service(MEMBER_COMMUNICATIONS, variables))["data"]["member"]["communications"]
    assert [e["node"]["subject"] for e in rest["edges"]] == ["3h"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_marketing_role_sees_marketing_communications_only(as_role):
    member = await make_member()
    await _history(await as_role(Role.SERVICE), member)
    marketing = await as_role(Role.MARKETING)
    page = (await marketing(MEMBER_COMMUNICATIONS, {"id": member_gid(member)}))["data"]["member"]
    assert page["communications"]["totalCount"] == 2
    assert {e["node"]["category"] for e in page["communications"]["edges"]} == {"MARKETING"}
    care = await marketing(MEMBER_COMMUNICATIONS, {"id": member_gid(member), "category": "CARE"})
    assert care["data"]["member"]["communications"]["totalCount"] == 0


async def test_roles_without_the_cell_are_denied(as_role):
    member = await make_member()
    for role in (Role.OPERATIONS, Role.ANALYST):
        result = await (await as_role(role))(MEMBER_COMMUNICATIONS, {"id": member_gid(member)})
        assert result["data"]["member"]["communications"] is None
        assert top_codes(result) == {"FORBIDDEN"}


async def test_member_reads_own_communications_and_not_others(api, as_role):
    member, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    await _history(service, member)
    await _history(service, other)
    me = api.as_(await member_token(member.id))
    own = (await me(MEMBER_COMMUNICATIONS, {"id": member_gid(member)}))["data"]["member"]
    assert own["communications"]["totalCount"] == 4
    result = await me(MEMBER_COMMUNICATIONS, {"id": member_gid(other)})
    assert result["data"]["member"] is None
    assert top_codes(result) == {"FORBIDDEN"}


async def test_node_of_a_communication_respects_the_policy(api, as_role):
    member, other = await make_member(), await make_member()
    service = await as_role(Role.SERVICE)
    care = ok(await service(LOG, _log(other)), "logCommunication")["communication"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on Communication { id category } } }"
    assert (await service(query, {"id": care}))["data"]["node"]["category"] == "CARE"
    marketing = await as_role(Role.MARKETING)
    assert (await marketing(query, {"id": care}))["data"]["node"] is None
    me = api.as_(await member_token(member.id))
    assert top_codes(await me(query, {"id": care})) == {"FORBIDDEN"}
    analyst = await as_role(Role.ANALYST)
    assert top_codes(await analyst(query, {"id": care})) == {"FORBIDDEN"}


async def test_marketing_role_reaches_no_case_through_a_communication(as_role):
    member = await make_member()
    service = await as_role(Role.SERVICE)
    inquiry = _log(member, direction="INBOUND", category="INQUIRY")
    case_id = ok(await service(LOG, inquiry), "logCommunication")["communication"]["case"]["id"]
    offer = _log(member, category="MARKETING", caseId=case_id)
    ok(await (await as_role(Role.ADMIN))(LOG, offer), "logCommunication")
    marketing = await as_role(Role.MARKETING)
    query = (
        "query($id: ID!) { member(id: $id) { communications { edges { node { case { id } } } } } }"
    )
    edges = (await marketing(query, {"id": member_gid(member)}))["data"]["member"]
    assert [edge["node"]["case"] for edge in edges["communications"]["edges"]] == [None]
