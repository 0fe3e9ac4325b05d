"""The rule language: refused shapes name the path inside the rule; every field compiles to
SQL that selects the right members on this database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise import connections

from models.enums import Gender, MemberStatus, TagCategory
from models.member import Member
from services.errors import Invalid
from services.tags import refresh_member_tags, run_tag_refresh
from services.tags.rules import check_rule
from services.tags.sql import active_rules
from tests.factories import make_member, make_purchase, make_tiers
from tests.tags.helpers import active_tag, carriers

RULE = ("input", "rule")
NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 on 15 June in Asia/Shanghai


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        (cond("height", "gt", 1), ("field",)),
        ({"all": [cond("age", "like", 1)]}, ("all", "0", "op")),
        (
            {"any": [cond("age", "gte", 18), cond("ordersLast30d", "gte", "3")]},
            ("any", "1", "value"),
        ),
        ({"not": {"field": "age", "op": "eq"}}, ("not", "value")),
        (cond("age", "between", [30]), ("value",)),
        (cond("age", "between", [40, 30]), ("value",)),
        (cond("spendLast365d", "in", [100, "x"]), ("value", "1")),
        (cond("ordersLast90d", "gte", 1.5), ("value",)),
        (cond("pointsBalance", "gte", True), ("value",)),
        (cond("gender", "gt", "MALE"), ("op",)),
        (cond("gender", "eq", "ROBOT"), ("value",)),
        (cond("gender", "in", ["MALE", ["FEMALE"]]), ("value", "1")),
        (cond("lifetimeSpend", "gt", float("nan")), ("value",)),
        (cond("region", "in", []), ("value",)),
        (cond("age", "gte", 100000), ("value",)),
        ({"xor": []}, ("xor",)),
        ({"all": []}, ("all",)),
        ({"all": [cond("age", "gte", 1)], "any": []}, ()),
        ({**cond("age", "gte", 1), "extra": 1}, ("extra",)),
        ("age > 18", ()),
    ],
)
def test_malformed_rules_are_refused_at_their_path(rule: Any, path: tuple[str, ...]) -> None:
    with pytest.raises(Invalid) as raised:
        check_rule(rule)
    assert raised.value.code == "INVALID"
    assert tuple(raised.value.field) == RULE + path


def test_a_well_formed_rule_passes() -> None:
    check_rule(
        {
            "all": [
                cond("age", "between", [18, 25]),
                {"not": cond("gender", "in", ["MALE", "OTHER"])},
                {
                    "any": [
                        cond("region", "eq", "上海市"),
                        cond("daysSinceLastPurchase", "eq", None),
                    ]
                },
                cond("lifetimeSpend", "gte", 999.5),
            ]
        }
    )


async def _member(birth_date: date | None, joined_days_ago: int, **facts: Any) -> Member:
    member = await make_member(
        birth_date=birth_date, joined_at=NOW - timedelta(days=joined_days_ago)
    )
    facts = {"gender": Gender.MALE, "profiling": False, **facts}
    await Member.filter(id=member.id).update(**facts)
    return member


async def _world() -> dict[str, int]:
    """Four members whose facts on NOW differ in every rule field."""
    _, silver, *_ = await make_tiers()
    a = await _member(
        date(2000, 1, 1),
        400,
        gender=Gender.FEMALE,
        address="上海市浦东新区世纪大道1号",
        profiling=True,
        tier_id=silver.id,
        points_balance=1000,
        lifetime_spend=Decimal("150000"),
    )
    # b turns 46 on NOW and gave no profiling consent
    b = await _member(date(1980, 6, 15), 10, lifetime_spend=Decimal("20000"))
    c = await _member(None, 200, gender=None, address=None, profiling=True)
    gone = await _member(date(2000, 1, 1), 0, status=MemberStatus.TERMINATED)
    for days in (1, 5, 29):
        await make_purchase(a, "50000", NOW - timedelta(days=days))
    await make_purchase(b, "20000", NOW - timedelta(days=100))
    await make_purchase(b, "300", NOW - timedelta(days=5), refunded="300")
    await make_purchase(b, "999", NOW + timedelta(days=1))  # after the evaluation instant
    return {"a": a.id, "b": b.id, "c": c.id, "gone": gone.id}


CASES: list[tuple[Any, set[str], TagCategory]] = [
    (cond("age", "eq", 26), {"a"}, TagCategory.BASIC_INFO),
    (cond("age", "gte", 46), {"b"}, TagCategory.BASIC_INFO),
    (cond("age", "lt", 46), {"a"}, TagCategory.BASIC_INFO),
    (cond("age", "between", [18, 25]), set(), TagCategory.BASIC_INFO),
    (cond("age", "in", [26, 46]), {"a", "b"}, TagCategory.BASIC_INFO),
    ({"not": cond("age", "eq", 26)}, {"b", "c"}, TagCategory.BASIC_INFO),
    (cond("gender", "eq", "FEMALE"), {"a"}, TagCategory.BASIC_INFO),
    (cond("gender", "eq", None), {"c"}, TagCategory.BASIC_INFO),
    (cond("region", "eq", "上海市"), {"a"}, TagCategory.BASIC_INFO),
    (cond("region", "in", ["北京市", "广州市"]), {"b"}, TagCategory.BASIC_INFO),
    (cond("region", "ne", "上海市"), {"b"}, TagCategory.BASIC_INFO),
    (cond("tierRank", "gte", 1), {"a"}, TagCategory.VALUE),
    (cond("pointsBalance", "in", [1000, 2000]), {"a"}, TagCategory.VALUE),
    (cond("lifetimeSpend", "gt", 100000), {"a"}, TagCategory.VALUE),
    (cond("spendLast365d", "gte", 100000), {"a"}, TagCategory.VALUE),
    (cond("spendLast365d", "between", [10000, 99999.99]), {"b"}, TagCategory.VALUE),
    (cond("ordersLast30d", "gte", 3), {"a"}, TagCategory.VALUE),
    (cond("ordersLast90d", "eq", 0), {"b", "c"}, TagCategory.VALUE),
    (cond("daysSinceLastPurchase", "lte", 30), {"a"}, TagCategory.VALUE),
    (cond("daysSinceJoined", "lt", 30), {"b"}, TagCategory.VALUE),
    (
        {
            "any": [
                cond("daysSinceLastPurchase", "gte", 90),
                {
                    "all": [
                        cond("daysSinceLastPurchase", "eq", None),
                        cond("daysSinceJoined", "gte", 180),
                    ]
                },
            ]
        },
        {"b", "c"},
        TagCategory.VALUE,
    ),
    # Behaviour tags only for members who consented to profiling (b did not).
    (cond("daysSinceJoined", "gte", 0), {"a", "c"}, TagCategory.BEHAVIOR),
    (cond("daysSinceJoined", "gte", 0), {"a", "c"}, TagCategory.PREFERENCE),
]


async def test_every_field_selects_the_right_members(db) -> None:
    # given
    world = await _world()
    names = {member_id: name for name, member_id in world.items()}
    for index, (rule, _, category) in enumerate(CASES):
        await active_tag(f"case-{index}", rule, category, now=NOW)
    # when
    report = await run_tag_refresh(NOW)
    # then
    found = {
        index: {names[m] for m in await carriers(f"case-{index}")} for index in range(len(CASES))
    }
    assert found == {index: expected for index, (_, expected, _) in enumerate(CASES)}
    assert report.examined == 3
    assert report.changed == 0  # approval already computed each tag as of NOW


async def test_the_refresh_is_idempotent_and_follows_as_of(db) -> None:
    world = await _world()
    await active_tag("recent", cond("daysSinceLastPurchase", "lte", 30), now=NOW)
    assert await carriers("recent") == {world["a"]}
    later = NOW + timedelta(days=31)
    first = await run_tag_refresh(later)
    again = await run_tag_refresh(later)
    assert (first.job, first.changed, again.changed) == ("tag-refresh", 2, 0)
    # a bought last 32 days before `later`, b 30 days before it
    assert await carriers("recent") == {world["b"]}


async def test_the_rules_a_purchase_reads_are_compiled_once_and_follow_its_instant(db) -> None:
    world = await _world()
    await active_tag("recent-buyer", cond("daysSinceLastPurchase", "lte", 30), now=NOW)
    read = await active_rules(connections.get("default"))
    again = await active_rules(connections.get("default"))
    assert len(again) == len(read) and all(a is b for a, b in zip(again, read, strict=True))
    later = NOW + timedelta(days=31)

    await refresh_member_tags(world["a"], later)
    await refresh_member_tags(world["b"], later)
    assert await carriers("recent-buyer") == {world["b"]}
    await refresh_member_tags(world["a"], NOW)
    assert await carriers("recent-buyer") == {world["a"], world["b"]}
