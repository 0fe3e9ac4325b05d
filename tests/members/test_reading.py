"""Reading members (issue 3 §2): member, node, me, members with every filter and order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.ids import to_global_id
from models.enums import MemberStatus, Role, TagCategory, TagSource, TagStatus
from models.tag import MemberTag, TagDefinition
from schema.pagination import encode_cursor
from services.clock import utcnow
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_tiers
from tests.members.conftest import MEMBER_FIELDS
from tests.sql_counter import count_sql

MEMBERS = """query($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {
  members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { memberNo } }
  }
}"""
BY_ID = "query($id: ID) { member(id: $id) { %s } }" % MEMBER_FIELDS
BY_NO = "query($no: String) { member(memberNo: $no) { id memberNo name } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Member { memberNo name phone } } }"
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def gid(member) -> str:
    return to_global_id("Member", member.id)


async def numbers(admin, **variables) -> list[str]:
    result = await admin(MEMBERS, {"first": 100, **variables})
    assert "errors" not in result, result
    return [edge["node"]["memberNo"] for edge in result["data"]["members"]["edges"]]


async def tag(code: str, *members) -> None:
    definition = await TagDefinition.create(
        code=code,
        name=code,
        category=TagCategory.VALUE,
        status=TagStatus.ACTIVE,
        created_at=utcnow(),
    )
    for member in members:
        await MemberTag.create(
            member=member, tag=definition, source=TagSource.MANUAL, assigned_at=utcnow()
        )


@pytest.fixture
async def crowd(db):
    """Five members with distinct joins, tiers, statuses, balances, spend and tags."""
    regular, silver, gold, *_ = await make_tiers()
    a = await make_member(
        name="王伟",
        phone="13800000001",
        email="wang.wei@example.com",
        joined_at=T0,
        tier=regular,
        points_balance=50,
        lifetime_spend=Decimal("300"),
    )
    b = await make_member(
        name="李娜",
        phone="13900000002",
        email="li.na@example.com",
        joined_at=T0 + timedelta(days=10),
        tier=silver,
        points_balance=500,
        lifetime_spend=Decimal("2500"),
    )
    c = await make_member(
        name="张伟",
        phone="13700000003",
        email="zhang.wei@example.org",
        joined_at=T0 + timedelta(days=20),
        tier=gold,
        points_balance=5,
        lifetime_spend=Decimal("9000"),
        status=MemberStatus.SUSPENDED,
    )
    d = await make_member(
        name="刘洋",
        phone="13600000004",
        email="liu.yang@example.com",
        joined_at=T0 + timedelta(days=30),
        tier=silver,
        points_balance=900,
        lifetime_spend=Decimal("100"),
    )
    e = await make_member(
        name="陈静",
        phone="13500000005",
        email="chen.jing@example.net",
        joined_at=T0 + timedelta(days=40),
        tier=regular,
        points_balance=0,
        lifetime_spend=Decimal("0"),
        status=MemberStatus.TERMINATING,
    )
    await tag("VIP", a, b, c)
    await tag("CHURN", b, d)
    await tag("NEW", a)
    return [x.member_no for x in (a, b, c, d, e)]


async def test_members_filters_each_field_in_sql(api, crowd):
    a, b, c, d, e = crowd
    admin = api.as_(await staff_token(Role.ADMIN))
    assert await numbers(admin) == [a, b, c, d, e]
    assert await numbers(admin, filter={"status": ["SUSPENDED", "TERMINATING"]}) == [c, e]
    assert await numbers(admin, filter={"tierCodes": ["SILVER", "GOLD"]}) == [b, c, d]
    assert await numbers(admin, filter={"tagsAll": ["VIP", "CHURN"]}) == [b]
    assert await numbers(admin, filter={"tagsAny": ["NEW", "CHURN"]}) == [a, b, d]
    assert await numbers(admin, filter={"tagsNone": ["VIP"]}) == [d, e]
    assert await numbers(
        admin,
        filter={
            "joinedAfter": (T0 + timedelta(days=5)).isoformat(),
            "joinedBefore": (T0 + timedelta(days=35)).isoformat(),
        },
    ) == [b, c, d]
    assert await numbers(admin, filter={"search": "伟"}) == [a, c]
    assert await numbers(admin, filter={"search": "1390000"}) == [b]
    assert await numbers(admin, filter={"search": "EXAMPLE.ORG"}) == [c]
    assert await numbers(admin, filter={"search": b.lower()}) == [b]
    assert await numbers(admin, filter={"search": "   "}) == [a, b, c, d, e]
    # LIKE wildcards in the term are matched literally.
    assert await numbers(admin, filter={"search": "%"}) == []
    assert await numbers(admin, filter={"search": "_"}) == []
    combined = {"tagsAny": ["VIP"], "tierCodes": ["REGULAR", "SILVER"], "search": "example.com"}
    assert await numbers(admin, filter=combined) == [a, b]


async def test_search_only_matches_fields_the_role_reads_in_clear(api, crowd):
    a, b, *_ = crowd
    marketing = api.as_(await staff_token(Role.MARKETING))
    # MARKETING sees phone and name masked: searching them would leak the hidden digits.
    assert await numbers(marketing, filter={"search": "1390000"}) == []
    assert await numbers(marketing, filter={"search": "李娜"}) == []
    assert await numbers(marketing, filter={"search": b}) == [b]


@pytest.mark.parametrize(
    ("field", "direction", "order"),
    [
        ("JOINED_AT", "DESC", [4, 3, 2, 1, 0]),
        ("MEMBER_NO", "ASC", [0, 1, 2, 3, 4]),
        ("POINTS_BALANCE", "DESC", [3, 1, 0, 2, 4]),
        ("LIFETIME_SPEND", "ASC", [4, 3, 0, 1, 2]),
    ],
)
async def test_members_order(api, crowd, field, direction, order):
    admin = api.as_(await staff_token(Role.ADMIN))
    got = await numbers(admin, orderBy={"field": field, "direction": direction})
    assert got == [crowd[i] for i in order]


async def test_members_pages_with_cursors_and_total_count(api, crowd):
    admin = api.as_(await staff_token(Role.ADMIN))
    order = {"field": "POINTS_BALANCE", "direction": "ASC"}
    seen: list[str] = []
    after = None
    while True:
        result = await admin(
            MEMBERS,
            {
                "first": 2,
                "after": after,
                "orderBy": order,
                "filter": {"status": ["ACTIVE", "SUSPENDED", "TERMINATING"]},
            },
        )
        page = result["data"]["members"]
        assert page["totalCount"] == 5
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["memberNo"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [crowd[i] for i in (4, 2, 0, 1, 3)]
    too_big = await admin(MEMBERS, {"first": 1000})
    assert too_big["data"] is None and too_big["errors"]


async def test_a_page_that_ends_the_list_tells_its_length_without_a_count(api, crowd):
    admin = api.as_(await staff_token(Role.ADMIN))
    async with count_sql() as counter:
        whole = (await admin(MEMBERS, {"first": 10}))["data"]["members"]
    assert whole["totalCount"] == 5
    assert not any("COUNT(" in statement.upper() for statement in counter.statements)
    # Past the end no row tells the length: it is counted.
    async with count_sql() as counter:
        past = (await admin(MEMBERS, {"first": 2, "after": encode_cursor(7)}))["data"]["members"]
    assert (past["totalCount"], past["edges"]) == (5, [])
    assert any("COUNT(" in statement.upper() for statement in counter.statements)


async def test_statement_count_does_not_grow_with_page_size(api, db):
    tiers = await make_tiers()
    for n in range(31):  # a row beyond either page: both are counted
        member = await make_member(tier=tiers[n % 3], id_number=None)
        if n % 2:
            await MemberTag.filter(member=member).delete()
    admin = api.as_(await staff_token(Role.ADMIN))
    query = (
        """query($first: Int, $filter: MemberFilter) { members(first: $first, filter: $filter) {
      totalCount edges { node { %s } } } }"""
        % MEMBER_FIELDS
    )
    counts = []
    for size in (3, 30):
        async with count_sql() as counter:
            result = await admin(
                query, {"first": size, "filter": {"tagsNone": ["X"], "search": "member"}}
            )
        assert len(result["data"]["members"]["edges"]) == size
        assert result["data"]["members"]["totalCount"] == 31
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_member_by_id_number_and_node(api, db):
    member = await make_member(name="赵敏", phone="13811112222")
    admin = api.as_(await staff_token(Role.ADMIN))
    by_id = (await admin(BY_ID, {"id": gid(member)}))["data"]["member"]
    assert by_id["memberNo"] == member.member_no
    assert by_id["name"] == "赵敏" and by_id["idNumber"] == "11010519491231002X"
    assert by_id["consents"]["profiling"] is False
    by_no = (await admin(BY_NO, {"no": member.member_no}))["data"]["member"]
    assert by_no["id"] == gid(member)
    node = (await admin(NODE, {"id": gid(member)}))["data"]["node"]
    assert node == {
        "id": gid(member),
        "memberNo": member.member_no,
        "name": "赵敏",
        "phone": "13811112222",
    }
    missing = await admin(BY_NO, {"no": "NOPE"})
    assert missing["data"]["member"] is None and "errors" not in missing


async def test_roles_see_members_as_the_policy_says(api, db):
    member = await make_member(name="赵敏", phone="13811112222", email="zhao@example.com")
    operations = api.as_(await staff_token(Role.OPERATIONS))
    seen = await operations(BY_ID, {"id": gid(member)})
    data = seen["data"]["member"]
    assert data["name"] == "赵敏" and data["phone"] == "138****2222"
    assert data["email"] == "z***@example.com"
    assert data["idNumber"] is None and data["address"] is None and data["birthDate"] is None
    assert {e["extensions"]["code"] for e in seen["errors"]} == {"FORBIDDEN"}
    service = api.as_(await staff_token(Role.SERVICE))
    assert (await service(BY_ID, {"id": gid(member)}))["data"]["member"]["idNumber"] == (
        "1101**********002X"
    )
    auditor = api.as_(await staff_token(Role.AUDITOR))
    denied = await auditor(BY_ID, {"id": gid(member)})
    assert denied["data"]["member"] is None


async def test_me_is_the_calling_member(api, db):
    member = await make_member(name="周杰")
    mine = api.as_(await member_token(member.id))
    me = (await mine("{ me { %s } }" % MEMBER_FIELDS))["data"]["me"]
    assert me["memberNo"] == member.member_no and me["name"] == "周杰"
    assert me["idNumber"] == "1101**********002X"  # self, masked
    staff = api.as_(await staff_token(Role.ADMIN))
    assert (await staff("{ me { id } }"))["data"]["me"] is None
    assert (await api("{ me { id } }"))["data"]["me"] is None


async def test_a_member_reads_nothing_of_another_member_by_any_path(api, db):
    me = await make_member(name="本人")
    other = await make_member(name="他人", phone="13822223333")
    mine = api.as_(await member_token(me.id))
    own = await mine(BY_ID, {"id": gid(me)})
    assert own["data"]["member"]["name"] == "本人"

    attempts = [
        (BY_ID, {"id": gid(other)}, "member"),
        (BY_NO, {"no": other.member_no}, "member"),
        (BY_NO, {"no": "M-NOT-THERE"}, "member"),
        (NODE, {"id": gid(other)}, "node"),
        (MEMBERS, {"first": 10}, "members"),
    ]
    for query, variables, root in attempts:
        result = await mine(query, variables)
        assert (result.get("data") or {}).get(root) is None, (query, result)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "他人" not in str(result) and "13822223333" not in str(result)
        assert other.member_no not in str(result).replace(variables.get("no", "-"), "")
