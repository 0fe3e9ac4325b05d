"""`memberhub verify-ledger`: a sound ledger passes; each broken invariant names its member."""

from __future__ import annotations

from tortoise import connections

from models.member import Member
from models.points import Purchase
from services.points import verify_ledger
from tests.factories import make_member
from tests.points.helpers import adjust, record, redeem, staff_api
from tests.processes import memberhub_cli


async def _member_with_history(api) -> Member:
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "V-1", "80.00")
    await adjust(ops, member.id, 20, "v-adj")
    await redeem(ops, 30, "v-red", member.id)
    return member


async def test_sound_ledger_passes_and_the_command_exits_zero(api):
    await _member_with_history(api)
    assert await verify_ledger() == []
    done = await memberhub_cli("verify-ledger")
    assert done.returncode == 0, done.stderr
    assert "ledger ok" in done.stdout


async def test_balance_that_drifted_from_the_entries_names_the_member(api):
    # Given a balance changed behind the ledger's back,
    member = await _member_with_history(api)
    await Member.filter(id=member.id).update(points_balance=999)
    # then the check names the member and the command exits non-zero.
    [problem] = await verify_ledger()
    assert problem.member_no == member.member_no
    assert "balance 999 but the entries sum to 70" in str(problem)
    done = await memberhub_cli("verify-ledger")
    assert done.returncode == 1
    assert member.member_no in done.stderr


async def test_purchase_and_spend_inconsistencies_are_reported(api):
    member = await _member_with_history(api)
    await Purchase.filter(order_ref="V-1").update(points_earned=81)
    await Member.filter(id=member.id).update(lifetime_spend="1.00")
    problems = [str(p) for p in await verify_ledger()]
    assert any("purchase V-1 earned 81 points but its EARN entries hold 80" in p for p in problems)
    assert any("lifetimeSpend 1.00 but purchases net to 80.00" in p for p in problems)


async def test_missing_append_only_guard_is_reported(api):
    await _member_with_history(api)
    client = connections.get("default")
    trigger = (
        "points_entry_no_update"
        if client.capabilities.dialect == "sqlite"
        else ("points_entry_no_change ON points_entry")
    )
    await client.execute_script(f"DROP TRIGGER {trigger}")
    problems = [str(p) for p in await verify_ledger()]
    assert problems and all(p.startswith("database: ledger guard trigger") for p in problems)
