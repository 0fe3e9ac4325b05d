"""`useBenefit`: the checks in DESIGN's order, the REDEEM entry, idempotency, concurrency."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

from core.ids import to_global_id
from models.benefit import Benefit, BenefitTier, BenefitUsage
from models.enums import BenefitCategory, BenefitPeriod, MemberStatus, PointsEntryKind, Role
from models.member import Member
from models.points import PointsEntry
from services.clock import local_date, utcnow
from tests.benefits.helpers import USE, give_points, make_benefit, use_input
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_tiers
from tests.processes import ROOT, database_url


def _errors(result):
    return [(e["code"], e["field"]) for e in result["data"]["useBenefit"]["errors"]]


async def _member(tier_code: str = "GOLD", **values):
    tiers = {tier.code: tier for tier in await make_tiers()}
    return await make_member(tier=tiers[tier_code], **values)


async def test_member_uses_a_paid_benefit_and_the_points_are_redeemed(api):
    # Given a GOLD member with 800 points and a benefit costing 300
    await make_benefit("GIFT", category=BenefitCategory.POINTS, points_cost=300)
    member = await _member()
    await give_points(member.id, 800)
    token = await member_token(member.id)

    # When the member uses it
    result = await api(USE, use_input("gift", "k-1", note="at the counter"), token=token)

    # Then a usage is recorded and one REDEEM entry takes the points
    payload = result["data"]["useBenefit"]
    assert payload["errors"] == []
    assert payload["usage"]["pointsSpent"] == 300
    assert payload["usage"]["benefit"] == {"code": "GIFT"}
    assert payload["usage"]["note"] == "at the counter"
    redeem = await PointsEntry.get(member_id=member.id, kind=PointsEntryKind.REDEEM)
    assert (redeem.points, redeem.balance_after) == (-300, 500)
    assert (await Member.get(id=member.id)).points_balance == 500


async def test_a_repeated_key_returns_the_first_usage_and_moves_nothing(api):
    await make_benefit("GIFT", category=BenefitCategory.POINTS, points_cost=100)
    member = await _member()
    await give_points(member.id, 500)
    token = await member_token(member.id)
    first = await api(USE, use_input("GIFT", "same"), token=token)
    again = await api(USE, use_input("GIFT", "same"), token=token)
    assert again["data"]["useBenefit"]["usage"]["id"] == first["data"]["useBenefit"]["usage"]["id"]
    assert await BenefitUsage.all().count() == 1
    assert (await Member.get(id=member.id)).points_balance == 400


async def test_a_key_reused_for_another_benefit_is_a_duplicate(api):
    await make_benefit("LOUNGE")
    await make_benefit("PARKING")
    member = await _member()
    token = await member_token(member.id)
    await api(USE, use_input("LOUNGE", "k"), token=token)
    result = await api(USE, use_input("PARKING", "k"), token=token)
    assert _errors(result) == [("DUPLICATE", ["input", "idempotencyKey"])]


async def test_staff_use_a_benefit_for_a_member(as_role):
    await make_benefit("LOUNGE")
    member = await _member()
    service = await as_role(Role.SERVICE)
    result = await service(USE, use_input("LOUNGE", "desk-1", to_global_id("Member", member.id)))
    assert result["data"]["useBenefit"]["errors"] == []
    assert result["data"]["useBenefit"]["usage"]["member"]["memberNo"] == member.member_no


async def test_staff_must_name_the_member(as_role):
    await make_benefit("LOUNGE")
    service = await as_role(Role.SERVICE)
    result = await service(USE, use_input("LOUNGE", "desk-1"))
    assert _errors(result) == [("INVALID", ["input", "memberId"])]


async def test_a_member_cannot_use_a_benefit_for_another_member(api):
    await make_benefit("LOUNGE")
    member, other = await _member(), await _member()
    token = await member_token(member.id)
    result = await api(USE, use_input("LOUNGE", "k", to_global_id("Member", other.id)), token=token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await BenefitUsage.all().count() == 0


async def test_an_unknown_benefit_is_not_found(api):
    member = await _member()
    result = await api(USE, use_input("NOPE", "k"), token=await member_token(member.id))
    assert _errors(result) == [("NOT_FOUND", ["input", "benefitCode"])]


async def test_suspended_member_cannot_use_benefits(api):
    await make_benefit("LOUNGE")
    member = await _member(status=MemberStatus.SUSPENDED)
    result = await api(USE, use_input("LOUNGE", "k"), token=await member_token(member.id))
    assert _errors(result) == [("INVALID_STATE", ["input", "memberId"])]
    assert await BenefitUsage.all().count() == 0


async def test_checks_run_in_design_order(api):
    # Given a suspended member failing every check: an ended BIRTHDAY benefit of another
    # tier, outside their birthday month, costing more points than they hold
    today = local_date(utcnow())
    cake = await make_benefit(
        "CAKE",
        category=BenefitCategory.BIRTHDAY,
        tier_codes=("DIAMOND",),
        points_cost=10,
        usage_limit=1,
        usage_period=BenefitPeriod.YEAR,
        active_until=utcnow() - timedelta(seconds=1),
    )
    member = await _member(
        birth_date=date(1990, today.month % 12 + 1, 1), status=MemberStatus.SUSPENDED
    )
    token = await member_token(member.id)

    async def refusal() -> str:
        result = await api(USE, use_input("CAKE", "k"), token=token)
        return result["data"]["useBenefit"]["errors"][0]["message"]

    # When each failing condition is put right in turn, then the next check speaks
    assert "suspended" in await refusal()
    await Member.filter(id=member.id).update(status=MemberStatus.ACTIVE)
    assert "not active" in await refusal()
    await Benefit.filter(id=cake.id).update(active_until=None)
    assert "tier does not hold" in await refusal()
    await BenefitTier.create(benefit_id=cake.id, tier_id=member.tier_id)
    assert "birthday month" in await refusal()
    await Member.filter(id=member.id).update(birth_date=date(1990, today.month, 1))
    assert "Not enough points" in await refusal()
    await give_points(member.id, 10)
    assert (await api(USE, use_input("CAKE", "k"), token=token))["data"]["useBenefit"][
        "errors"
    ] == []


async def test_birthday_benefit_in_the_birthday_month(api):
    today = local_date(utcnow())
    await make_benefit(
        "CAKE", category=BenefitCategory.BIRTHDAY, usage_limit=1, usage_period=BenefitPeriod.YEAR
    )
    member = await _member(birth_date=date(1990, today.month, 1))
    token = await member_token(member.id)
    first = await api(USE, use_input("CAKE", "a"), token=token)
    second = await api(USE, use_input("CAKE", "b"), token=token)
    assert first["data"]["useBenefit"]["errors"] == []
    assert _errors(second) == [("NOT_ELIGIBLE", ["input", "benefitCode"])]
    assert "limit" in second["data"]["useBenefit"]["errors"][0]["message"]


async def test_insufficient_points_debits_nothing(api):
    await make_benefit("GIFT", category=BenefitCategory.POINTS, points_cost=300)
    member = await _member()
    await give_points(member.id, 299)
    result = await api(USE, use_input("GIFT", "k"), token=await member_token(member.id))
    assert _errors(result) == [("INSUFFICIENT_POINTS", ["input", "benefitCode"])]
    assert await BenefitUsage.all().count() == 0
    assert (await Member.get(id=member.id)).points_balance == 299


async def test_concurrent_uses_never_exceed_the_limit(api):
    # Given a benefit usable twice a month and a member with points for ten uses
    await make_benefit(
        "VOUCHER",
        category=BenefitCategory.POINTS,
        points_cost=50,
        usage_limit=2,
        usage_period=BenefitPeriod.MONTH,
    )
    member = await _member()
    await give_points(member.id, 500)
    token = await member_token(member.id)

    # When eight requests with distinct keys arrive at once
    results = await asyncio.gather(
        *(api(USE, use_input("VOUCHER", f"k{i}"), token=token) for i in range(8))
    )

    # Then exactly two succeed, the rest are refused by the limit, and two uses are paid
    outcomes = sorted(
        "ok"
        if not r["data"]["useBenefit"]["errors"]
        else r["data"]["useBenefit"]["errors"][0]["code"]
        for r in results
    )
    assert outcomes == ["NOT_ELIGIBLE"] * 6 + ["ok"] * 2
    assert await BenefitUsage.filter(member_id=member.id).count() == 2
    assert (await Member.get(id=member.id)).points_balance == 400
    assert await PointsEntry.filter(member_id=member.id, kind=PointsEntryKind.REDEEM).count() == 2


async def test_concurrent_repeats_of_one_key_record_one_usage(api):
    await make_benefit("GIFT", category=BenefitCategory.POINTS, points_cost=100)
    member = await _member()
    await give_points(member.id, 1000)
    token = await member_token(member.id)
    results = await asyncio.gather(
        *(api(USE, use_input("GIFT", "once"), token=token) for _ in range(5))
    )
    assert {r["data"]["useBenefit"]["usage"]["id"] for r in results} != {None}
    assert len({r["data"]["useBenefit"]["usage"]["id"] for r in results}) == 1
    assert (await Member.get(id=member.id)).points_balance == 900


async def test_marketing_may_not_use_benefits(api):
    await make_benefit("LOUNGE")
    member = await _member()
    token = await staff_token(Role.MARKETING)
    result = await api(
        USE, use_input("LOUNGE", "k", to_global_id("Member", member.id)), token=token
    )
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_uses_from_4_processes_never_exceed_the_limit(db):
    # Given a benefit usable 5 times a month and points for 40 uses
    await make_benefit(
        "VOUCHER",
        category=BenefitCategory.POINTS,
        points_cost=10,
        usage_limit=5,
        usage_period=BenefitPeriod.MONTH,
    )
    member = await _member()
    await give_points(member.id, 400)

    # When 4 processes each send 10 concurrent uses
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.benefits.usage_worker",
                database_url(),
                str(member.id),
                "VOUCHER",
                "10",
                f"p{n}",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outcomes: Counter[str] = Counter()
    for proc in procs:
        out, err = await asyncio.to_thread(proc.communicate, timeout=120)
        assert proc.returncode == 0, err
        outcomes.update(json.loads(out.strip().splitlines()[-1]))

    # Then exactly 5 succeed, the rest hit the limit, nobody sees "locked", 5 uses are paid
    assert outcomes == {"OK": 5, "NOT_ELIGIBLE": 35}
    assert await BenefitUsage.filter(member_id=member.id).count() == 5
    assert (await Member.get(id=member.id)).points_balance == 350
