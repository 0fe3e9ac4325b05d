"""Profiles (issue 3 §3, §4): staff edits, member change requests and their review,
validation, and the idNumber encrypted at rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections

from core.ids import to_global_id
from models.enums import Role
from models.member import Member, ProfileChangeRequest
from services.clock import local_date, utcnow
from tests.conftest import member_token, staff_token
from tests.factories import make_member

UPDATE = """mutation($input: UpdateMemberInput!) { updateMember(input: $input) {
  member { id name gender birthDate phone email address idNumber }
  errors { field code message } } }"""
REQUEST = """mutation($input: RequestProfileChangeInput!) { requestProfileChange(input: $input) {
  request { id status changes reason submittedAt member { memberNo } }
  errors { field code message } } }"""
REVIEW = """mutation($input: ReviewInput!) { reviewProfileChange(input: $input) {
  request { id status changes reviewNote reviewedAt reviewedBy { displayName } }
  errors { field code message } } }"""
REQUESTS = """query($status: ApplicationStatus) { profileChangeRequests(status: $status) {
  totalCount edges { node { id status changes reason member { memberNo } } } } }"""
NEW_ID = "310115198511204566"


def gid(member) -> str:
    return to_global_id("Member", member.id)


async def test_staff_update_a_profile_directly(api, db):
    member = await make_member(name="张三")
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin(
        UPDATE,
        {
            "input": {
                "id": gid(member),
                "name": "  张  三丰 ",
                "phone": "+86 139 0000 1111",
                "email": "Zhang.SanFeng@Example.COM",
                "idNumber": "310115198511204566",
                "birthDate": "1985-11-20",
                "gender": "MALE",
                "address": "杭州市西湖区文三路1号",
            }
        },
    )
    payload = result["data"]["updateMember"]
    assert payload["errors"] == []
    assert payload["member"] == {
        "id": gid(member),
        "name": "张 三丰",
        "gender": "MALE",
        "birthDate": "1985-11-20",
        "phone": "13900001111",
        "email": "zhang.sanfeng@example.com",
        "address": "杭州市西湖区文三路1号",
        "idNumber": NEW_ID,
    }


async def test_update_member_follows_the_policy(api, db):
    member = await make_member()
    for role in (Role.OPERATIONS, Role.MARKETING):
        caller = api.as_(await staff_token(role))
        result = await caller(UPDATE, {"input": {"id": gid(member), "name": "改名"}})
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = api.as_(await member_token(member.id))
    result = await mine(UPDATE, {"input": {"id": gid(member), "name": "改名"}})
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=member.id)).name == "张三"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345678"),
        ("phone", "1381234567a"),
        ("phone", "02812345678"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "a..b@example.com"),
        ("birthDate", "FUTURE"),
        ("idNumber", "110105194912310021"),  # wrong ISO 7064 MOD 11-2 check digit
        ("idNumber", "11010519491231002Y"),
        ("idNumber", "x"),
        ("name", "   "),
    ],
)
async def test_invalid_profile_values_are_refused_and_nothing_changes(api, db, field, value):
    member = await make_member()
    if value == "FUTURE":
        value = (local_date(utcnow()) + timedelta(days=1)).isoformat()
    service = api.as_(await staff_token(Role.SERVICE))
    payload = (
        await service(UPDATE, {"input": {"id": gid(member), field: value, "address": "新地址"}})
    )["data"]["updateMember"]
    assert payload["member"] is None
    assert payload["errors"][0]["code"] == "INVALID"
    assert payload["errors"][0]["field"] == ["input", field]
    assert (await Member.get(id=member.id)).address == "北京市朝阳区建国路1号"


async def test_other_document_numbers_and_international_phones_are_accepted(api, db):
    member = await make_member()
    admin = api.as_(await staff_token(Role.ADMIN))
    payload = (
        await admin(
            UPDATE,
            {"input": {"id": gid(member), "idNumber": "e12345678", "phone": "+852 9123 4567"}},
        )
    )["data"]["updateMember"]
    assert payload["errors"] == []
    assert payload["member"]["idNumber"] == "E12345678"
    assert payload["member"]["phone"] == "+85291234567"


async def test_an_update_to_another_live_members_phone_is_a_duplicate(api, db):
    member = await make_member()
    other = await make_member(phone="13766667777", id_number="44030519900101123X")
    admin = api.as_(await staff_token(Role.ADMIN))
    for field, value in (("phone", "13766667777"), ("idNumber", "44030519900101123x")):
        payload = (
            await admin(UPDATE, {"input": {"id": gid(member), field: value, "name": "不应保存"}})
        )["data"]["updateMember"]
        assert payload["errors"][0]["code"] == "DUPLICATE", payload
        assert payload["errors"][0]["field"] == ["input", field]
    assert (await Member.get(id=member.id)).name == "张三"
    assert other.id != member.id


async def test_updating_a_missing_or_terminated_member(api, db):
    admin = api.as_(await staff_token(Role.ADMIN))
    missing = await admin(UPDATE, {"input": {"id": to_global_id("Member", 999), "name": "x"}})
    assert missing["data"]["updateMember"]["errors"][0]["code"] == "NOT_FOUND"
    gone = await make_member(status="TERMINATED")
    result = await admin(UPDATE, {"input": {"id": gid(gone), "name": "x"}})
    assert result["data"]["updateMember"]["errors"][0]["code"] == "INVALID_STATE"
    empty = await admin(UPDATE, {"input": {"id": gid(await make_member())}})
    assert empty["data"]["updateMember"]["errors"][0]["code"] == "INVALID"
    wrong_type = await admin(UPDATE, {"input": {"id": to_global_id("Tier", 1), "name": "x"}})
    assert wrong_type["data"]["updateMember"]["errors"][0]["code"] == "INVALID"


async def _request(api, member, **changes):
    mine = api.as_(await member_token(member.id))
    return (await mine(REQUEST, {"input": changes}))["data"]["requestProfileChange"]


async def test_a_member_requests_a_change_and_staff_approve_it(api, db):
    member = await make_member()
    requested = await _request(
        api,
        member,
        phone="13655556666",
        idNumber=NEW_ID,
        address="广州市天河区体育西路2号",
        reason="搬家了",
    )
    assert requested["errors"] == []
    request = requested["request"]
    assert request["status"] == "PENDING" and request["reason"] == "搬家了"
    # The member sees their own request, idNumber masked as on their profile.
    assert request["changes"] == {
        "phone": "13655556666",
        "idNumber": "3101**********4566",
        "address": "广州市天河区体育西路2号",
    }
    assert (await Member.get(id=member.id)).phone != "13655556666"

    reviewer = api.as_(await staff_token(Role.ADMIN))
    reviewed = (
        await reviewer(
            REVIEW, {"input": {"id": request["id"], "decision": "APPROVE", "note": "核实"}}
        )
    )["data"]["reviewProfileChange"]
    assert reviewed["errors"] == []
    assert reviewed["request"]["status"] == "APPROVED"
    assert reviewed["request"]["reviewNote"] == "核实"
    assert reviewed["request"]["reviewedBy"]["displayName"].startswith("Test")
    row = await Member.get(id=member.id)
    assert row.phone == "13655556666" and row.address == "广州市天河区体育西路2号"
    again = await reviewer(REVIEW, {"input": {"id": request["id"], "decision": "REJECT"}})
    assert again["data"]["reviewProfileChange"]["errors"][0]["code"] == "INVALID_STATE"


async def test_a_rejected_change_keeps_its_note_and_changes_nothing(api, db):
    member = await make_member(name="张三")
    requested = await _request(api, member, name="张四")
    reviewer = api.as_(await staff_token(Role.SERVICE))
    reviewed = await reviewer(
        REVIEW,
        {"input": {"id": requested["request"]["id"], "decision": "REJECT", "note": "证件不符"}},
    )
    payload = reviewed["data"]["reviewProfileChange"]
    assert payload["request"]["status"] == "REJECTED"
    assert payload["request"]["reviewNote"] == "证件不符"
    assert (await Member.get(id=member.id)).name == "张三"


async def test_change_requests_are_validated(api, db):
    member = await make_member()
    bad = await _request(api, member, email="nope")
    assert bad["errors"][0]["code"] == "INVALID" and bad["errors"][0]["field"] == ["input", "email"]
    empty = await _request(api, member, reason="只是想说说")
    assert empty["errors"][0]["code"] == "INVALID"
    await make_member(phone="13644445555")
    clash = await _request(api, member, phone="13644445555")
    assert clash["errors"][0]["code"] == "DUPLICATE"
    assert await ProfileChangeRequest.all().count() == 0
    staff = api.as_(await staff_token(Role.ADMIN))
    refused = await staff(REQUEST, {"input": {"name": "x"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_approval_rechecks_duplicates_and_changes_nothing_on_failure(api, db):
    member = await make_member()
    requested = await _request(api, member, phone="13633334444")
    await make_member(phone="13633334444")
    reviewer = api.as_(await staff_token(Role.ADMIN))
    review = {"id": requested["request"]["id"], "decision": "APPROVE"}
    payload = (await reviewer(REVIEW, {"input": review}))["data"]["reviewProfileChange"]
    assert payload["errors"][0]["code"] == "DUPLICATE"
    request = await ProfileChangeRequest.get(member_id=member.id)
    assert request.status.value == "PENDING"
    assert (await Member.get(id=member.id)).phone != "13633334444"


async def test_change_requests_are_masked_per_role(api, db):
    member = await make_member()
    await _request(
        api,
        member,
        name="张三丰",
        phone="13655556666",
        email="sanfeng@example.com",
        address="武当山",
        idNumber=NEW_ID,
        birthDate="1985-11-20",
    )
    expected = {
        Role.ADMIN: {
            "name": "张三丰",
            "phone": "13655556666",
            "email": "sanfeng@example.com",
            "address": "武当山",
            "idNumber": NEW_ID,
            "birthDate": "1985-11-20",
        },
        Role.SERVICE: {
            "name": "张三丰",
            "phone": "13655556666",
            "email": "sanfeng@example.com",
            "address": "武当山",
            "idNumber": "3101**********4566",
            "birthDate": "1985-11-20",
        },
        Role.OPERATIONS: {"name": "张三丰", "phone": "136****6666", "email": "s***@example.com"},
    }
    for role, changes in expected.items():
        caller = api.as_(await staff_token(role))
        result = await caller(REQUESTS, {"status": "PENDING"})
        page = result["data"]["profileChangeRequests"]
        assert page["totalCount"] == 1
        assert page["edges"][0]["node"]["changes"] == changes, role
    for role in (Role.MARKETING, Role.ANALYST, Role.AUDITOR):
        caller = api.as_(await staff_token(role))
        result = await caller(REQUESTS)
        assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = api.as_(await member_token(member.id))
    assert (await mine(REQUESTS))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_member_reads_only_their_own_change_requests(api, db):
    member = await make_member()
    other = await make_member()
    requested = await _request(api, member, name="张三丰")
    node = "query($id: ID!) { node(id: $id) { ... on ProfileChangeRequest { status changes } } }"
    own = await api.as_(await member_token(member.id))(node, {"id": requested["request"]["id"]})
    assert own["data"]["node"] == {"status": "PENDING", "changes": {"name": "张三丰"}}
    theirs = await api.as_(await member_token(other.id))(node, {"id": requested["request"]["id"]})
    assert theirs["data"]["node"] is None
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_id_number_is_encrypted_at_rest(api, db):
    member = await make_member(id_number=None)
    admin = api.as_(await staff_token(Role.ADMIN))
    await admin(UPDATE, {"input": {"id": gid(member), "idNumber": NEW_ID}})
    await _request(api, member, idNumber="44030519900101123X")
    connection = connections.get("default")
    rows = await connection.execute_query_dict("SELECT * FROM member")
    requests = await connection.execute_query_dict("SELECT * FROM profile_change_request")
    raw = str(rows) + str(requests)
    for clear in (NEW_ID, "44030519900101123X", "198511204566", "4403051990"):
        assert clear not in raw
    assert rows[0]["id_number_enc"].startswith("v1:")
    shown = await admin("query($id: ID) { member(id: $id) { idNumber } }", {"id": gid(member)})
    assert shown["data"]["member"]["idNumber"] == NEW_ID
