"""Control characters in text inputs (issue 21): NUL and the rest below U+0020 are
INVALID; free text may hold tab and line breaks (CR only in CRLF). Over GraphQL through
a mutation's payload and a query's arguments, inline and as variables, and in the
services' own validators. Every input's check is enumerated in test_every_input_is_checked.
"""

from __future__ import annotations

import json

import pytest

from app.server import create_app
from core.settings import get_settings
from models.enums import Role
from models.member import MembershipApplication
from models.points import PointsEntry, Purchase
from services import validation
from services.clock import utcnow
from services.errors import Invalid
from services.staff import create_staff_user
from tests.conftest import staff_token
from tests.factories import make_member
from tests.members.conftest import apply
from tests.points.helpers import adjust, gid, record, staff_api
from tests.tiers.ws import GraphQLWebSocket

CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"]
RECORD_ERRORS = """mutation($i: RecordPurchaseInput!) {
  recordPurchase(input: $i) { errors { field code } }
}"""
RECORD_INLINE = """mutation {
  recordPurchase(input: {memberId: "%s", orderRef: "ORD\\u0000-1", amount: "10.00"}) {
    purchase { id } errors { field code }
  }
}"""


def _invalid_at(result: dict, path: list[str], field: list[str]) -> bool:
    """Whether `result` holds the one top-level error INVALID at `path`, for input `field`."""
    [error] = result["errors"]
    return error["path"] == path and error["extensions"] == {"code": "INVALID", "field": field}


@pytest.mark.parametrize(
    "control",
    [
        "\x00",
        *CONTROLS[1:],
        "\t",
        "\n",
        "\r",
    ],
)
async def test_a_single_line_input_refuses_every_control_character(api, control):
    # Given a member, when a purchase's orderRef holds a control character (or a tab or
    # a line break: an orderRef is one line),
    member = await make_member()
    result = await record(await staff_api(api), member.id, f"ORD{control}1", "10.00")
    # then the payload says INVALID at input.orderRef, and nothing is stored.
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", ["input", "orderRef"])
    ]
    assert result["purchase"] is None
    assert await Purchase.all().count() == 0
    assert await PointsEntry.all().count() == 0


async def test_half_a_surrogate_pair_is_refused_not_an_error_of_ours(api):
    # JSON's "\ud800" decodes to a string no database can encode: it was a 500.
    member = await make_member()
    ops = await staff_api(api)
    variables = {"i": {"memberId": gid(member.id), "orderRef": "ORD\ud800", "amount": "1.00"}}
    body = json.dumps({"query": RECORD_ERRORS, "variables": variables})  # ASCII escapes
    response = await ops.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {ops.token}", "Content-Type": "application/json"},
    )
    errors = response.json()["data"]["recordPurchase"]["errors"]
    assert errors == [{"field": ["input", "orderRef"], "code": "INVALID"}]
    assert await Purchase.all().count() == 0


async def test_nul_written_inline_is_refused_as_a_variable_is(api):
    member = await make_member()
    result = await (await staff_api(api))(RECORD_INLINE % gid(member.id))
    payload = result["data"]["recordPurchase"]
    assert payload["errors"] == [{"field": ["input", "orderRef"], "code": "INVALID"}]
    assert await Purchase.all().count() == 0


@pytest.mark.parametrize("text", ["line one\nline two", "a\ttab", "windows\r\nbreak"])
async def test_free_text_keeps_tabs_and_line_breaks(api, text):
    member = await make_member()
    result = await adjust(await staff_api(api), member.id, 10, "k-1", reason=text)
    assert result["errors"] == []
    assert (await PointsEntry.get(member_id=member.id)).reason == text


@pytest.mark.parametrize("text", ["a\x00b", "lone\rreturn", "escape\x1b[2J"])
async def test_free_text_refuses_other_control_characters(api, text):
    member = await make_member()
    result = await adjust(await staff_api(api), member.id, 10, "k-1", reason=text)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", ["input", "reason"])]
    assert await PointsEntry.filter(member_id=member.id).count() == 0


async def test_an_anonymous_application_with_nul_in_the_name_is_refused(api):
    # Given the public enrollment form, when the name carries a NUL,
    applied = await apply(api, name="李\x00小红")
    # then it is INVALID at input.name and no application is written.
    assert applied["errors"][0]["code"] == "INVALID"
    assert applied["errors"][0]["field"] == ["input", "name"]
    assert await MembershipApplication.all().count() == 0


@pytest.mark.parametrize("variables", [True, False], ids=["variable", "inline"])
async def test_a_query_argument_with_a_control_character_is_invalid(as_role, variables):
    admin = await as_role(Role.ADMIN)
    if variables:
        query = "query($s: String) { members(filter: {search: $s}) { totalCount } }"
        result = await admin(query, {"s": "138\x00"})
    else:
        result = await admin('{ members(filter: {search: "138\\u0000"}) { totalCount } }')
    assert result["data"] is None
    assert _invalid_at(result, ["members"], ["filter", "search"])


async def test_a_nested_field_argument_is_checked_too(as_role):
    member = await make_member()
    admin = await as_role(Role.ADMIN)
    query = """query($id: ID!) {
      member(id: $id) { memberNo pointsLedger(after: "x\\u0007") { totalCount } }
    }"""
    result = await admin(query, {"id": gid(member.id)})
    assert result["data"]["member"] == {"memberNo": member.member_no, "pointsLedger": None}
    assert _invalid_at(result, ["member", "pointsLedger"], ["after"])


async def test_a_subscription_argument_is_checked_when_it_starts(db):
    app = create_app(get_settings(), manage_db=False)
    async with GraphQLWebSocket(app, await staff_token(Role.SERVICE)) as ws:
        query = "subscription($m: ID) { pointsPosted(memberId: $m) { id } }"
        await ws.subscribe(query, {"m": "TWVtYmVyOjE=\x00"})
        message = await ws.receive()
    assert message["type"] == "error"
    assert [e["extensions"] for e in message["payload"]] == [
        {"code": "INVALID", "field": ["memberId"]}
    ]


async def test_a_role_refused_the_field_learns_nothing_of_its_input(as_role):
    # ANALYST may not record purchases: the policy answers before the input is looked at.
    member = await make_member()
    analyst = await as_role(Role.ANALYST)
    result = await analyst(
        "mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { errors { code } } }",
        {"i": {"memberId": gid(member.id), "orderRef": "ORD\x01", "amount": "1.00"}},
    )
    assert [error["extensions"]["code"] for error in result["errors"]] == ["FORBIDDEN"]


# A validator and a value it accepts, with {} where a control character goes: placed
# where the validator's own normalising (strip, whitespace collapse) would hide it.
SINGLE_LINES = {
    "line": (lambda text: validation.clean_text(text, ("input", "reference"), line=True), "r{}ef"),
    "name": (lambda text: validation.clean_name(text, ("input", "name")), "Li{}Ming"),
    "key": (lambda text: validation.clean_key(text), "key{}1"),
    "phone": (lambda text: validation.normalize_phone(text, ("input", "phone")), "138{}12345678"),
    "email": (lambda text: validation.normalize_email(text, ("input", "email")), "a@b.cn{}"),
    "id": (
        lambda text: validation.normalize_id_number(text, ("input", "id")),
        "1101{}0519491231002X",
    ),
}


@pytest.mark.parametrize("name", SINGLE_LINES)
@pytest.mark.parametrize("control", ["\x00", "\t", "\x1f"])
def test_service_validators_refuse_control_characters_in_a_line(name, control):
    # The validators services call for the CLI and jobs apply the same rule.
    check, value = SINGLE_LINES[name]
    check(value.format(""))
    with pytest.raises(Invalid):
        check(value.format(control))


def test_service_free_text_keeps_line_breaks_and_refuses_nul():
    assert validation.clean_text(" a\r\n\tb ", ("input", "note")) == "a\r\n\tb"
    assert validation.clean_address("路1号\n2楼", ("input", "address")) == "路1号\n2楼"
    for text in ("a\x00b", "a\rb"):
        with pytest.raises(Invalid):
            validation.clean_text(text, ("input", "note"))


async def test_a_staff_user_made_from_the_cli_keeps_to_the_same_rule():
    # create-admin calls this service: a control character in the display name is INVALID.
    with pytest.raises(Invalid) as refused:
        await create_staff_user("root", "Ro\x1bot", "long-enough-pw", [Role.ADMIN], utcnow())
    assert refused.value.field == ["input", "displayName"]
