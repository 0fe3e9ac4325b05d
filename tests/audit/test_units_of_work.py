"""A change and the audit entry that records it commit together (DESIGN §4): a mutation is
one unit of work, a job commits in audited batches, and a refusal keeps its entry."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from tortoise import connections

from models.audit import AuditEntry
from models.enums import AuditOutcome, Role
from models.member import RateLimitHit
from models.points import PointsEntry, Purchase
from services import audit
from services.audit import verify_chain
from services.clock import utcnow
from services.db import transaction
from services.points import expiry, record_purchase
from services.units import unit_of_work
from tests.factories import make_member
from tests.points.helpers import RECORD, gid, record, staff_api

BOUGHT = datetime.fromisoformat("2023-01-15T12:00:00+08:00")


def _fail_once(monkeypatch: Any) -> None:
    """The next chain write inside a transaction fails, as a crash between the change and
    its entry would; later ones (the refusal's entry) go through."""
    chain = audit.chain
    failed: list[bool] = []

    async def fail_first(conn: Any, batch: list[audit.Entry]) -> None:
        if not failed:
            failed.append(True)
            raise RuntimeError("disk gone")
        await chain(conn, batch)

    monkeypatch.setattr(audit, "chain", fail_first)


async def test_a_change_whose_entry_cannot_be_written_is_not_kept(api, monkeypatch):
    # Given a member and a clerk,
    member = await make_member()
    clerk = await staff_api(api, Role.SERVICE)
    _fail_once(monkeypatch)
    # when the audit entry of a purchase cannot be written,
    body = await clerk(
        RECORD, {"input": {"memberId": gid(member.id), "orderRef": "o-1", "amount": "50.00"}}
    )
    # then the client learns it failed, the purchase and its points are not kept,
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert not await Purchase.exists(order_ref="o-1")
    assert not await PointsEntry.exists(member_id=member.id)
    # and the failure itself is audited.
    [entry] = await AuditEntry.filter(operation_name=None, fields_=["recordPurchase"])
    assert entry.outcome is AuditOutcome.ERROR
    assert (await verify_chain()).ok


async def test_a_committed_mutation_has_its_entry_in_its_transaction(api):
    # Given a member, when a purchase is recorded,
    member = await make_member()
    clerk = await staff_api(api, Role.SERVICE)
    result = await record(clerk, member.id, "o-2", "80.00")
    assert result["errors"] == []
    # then its entry names the purchase and the member, with the outcome OK.
    entries = [e for e in await AuditEntry.all() if e.fields_ == ["recordPurchase"]]
    assert [(e.outcome, e.variables["input"]["orderRef"]) for e in entries] == [
        (AuditOutcome.OK, "o-2")
    ]
    assert gid(member.id) in entries[0].target_ids


async def test_a_refused_mutation_changes_nothing_and_keeps_its_entry(api):
    # Given a clerk, when a purchase names an amount below zero,
    member = await make_member()
    clerk = await staff_api(api, Role.SERVICE)
    result = await record(clerk, member.id, "o-3", "-5.00")
    # then nothing is recorded and the refusal is audited with its code.
    assert result["errors"][0]["code"] == "INVALID"
    assert not await Purchase.exists(order_ref="o-3")
    [entry] = [e for e in await AuditEntry.all() if e.fields_ == ["recordPurchase"]]
    assert (entry.outcome, entry.error_codes) == (AuditOutcome.USER_ERROR, ["INVALID"])


async def test_a_job_commits_its_changes_in_audited_batches(api, monkeypatch):
    # Given batches of 50, and 60 members whose points of January 2023 lapsed at the end
    # of January 2025,
    monkeypatch.setattr(expiry, "BATCH_SIZE", 50)
    members = [await make_member() for _ in range(60)]
    for member in members:
        await record_purchase(
            member.id, f"j-{member.id}", Decimal("10.00"), utcnow(), occurred_at=BOUGHT
        )
    # when an operator runs the expiry job in February 2025,
    operations = await staff_api(api, Role.OPERATIONS)
    body = await operations(
        'mutation { runPointsExpiry(asOf: "2025-02-01T00:00:00+08:00") { examined changed } }'
    )
    assert body["data"]["runPointsExpiry"] == {"examined": 60, "changed": 60}
    # then each batch of changes has a system entry naming its members,
    batches = await AuditEntry.filter(actor_type="SYSTEM", operation_name="points-expiry")
    assert sorted(len(e.target_ids) for e in batches) == [10, 50]
    named = {target for e in batches for target in e.target_ids}
    assert named == {gid(m.id) for m in members}
    assert len({e.request_id for e in batches}) == 1  # one run
    # the operator's request has its own, and the chain holds.
    assert await AuditEntry.filter(actor_type="STAFF", fields_=["runPointsExpiry"]).count() == 1
    assert (await verify_chain()).ok


# ---------------------------------------------------------------- group commit of units


@pytest.fixture
def batched(db: Any) -> None:
    # PostgreSQL runs writers side by side: there each unit commits alone.
    if connections.get("default").capabilities.dialect != "sqlite":
        pytest.skip("units share a transaction on SQLite only")


class Recorder:
    """Collects what each batch records, as the audit chain would write it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def __call__(self, conn: Any, records: list[str]) -> None:
        self.batches.append(list(records))


async def _unit(
    recorder: Recorder,
    key: str,
    started: asyncio.Event | None = None,
    *,
    fail: bool = False,
    hold: asyncio.Event | None = None,
) -> None:
    """A unit that writes one row keyed `key` and commits it with the record `key`."""
    async with unit_of_work(recorder) as unit:
        async with transaction():
            await RateLimitHit.create(key=key, at=utcnow())
        if started is not None:
            started.set()
        if hold is not None:
            await hold.wait()
        if fail:
            raise RuntimeError(key)
        await unit.commit([key])


async def _written() -> set[str]:
    return set(await RateLimitHit.all().values_list("key", flat=True))  # type: ignore[arg-type]


async def test_units_that_write_together_commit_in_one_batch(batched):
    # Given a unit holding the transaction, when three more want to write meanwhile,
    recorder, started, hold = Recorder(), asyncio.Event(), asyncio.Event()
    leader = asyncio.ensure_future(_unit(recorder, "a", started, hold=hold))
    await started.wait()
    followers = [asyncio.ensure_future(_unit(recorder, key)) for key in "bcd"]
    await asyncio.sleep(0)  # they reach their first write and wait for their turn
    hold.set()
    await asyncio.gather(leader, *followers)
    # then all four commit together, their records written once.
    assert recorder.batches == [["a", "b", "c", "d"]]
    assert await _written() == {"a", "b", "c", "d"}


async def test_a_unit_that_fails_in_a_batch_keeps_nothing_and_spoils_nothing(batched):
    recorder, started, hold = Recorder(), asyncio.Event(), asyncio.Event()
    leader = asyncio.ensure_future(_unit(recorder, "a", started, hold=hold))
    await started.wait()
    failing = asyncio.ensure_future(_unit(recorder, "b", fail=True))
    other = asyncio.ensure_future(_unit(recorder, "c"))
    await asyncio.sleep(0)
    hold.set()
    results = await asyncio.gather(leader, failing, other, return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "RuntimeError", "NoneType"]
    assert recorder.batches == [["a", "c"]]
    assert await _written() == {"a", "c"}


async def test_a_failed_commit_keeps_nothing_of_any_unit_of_the_batch(batched):
    class Failing(Recorder):
        async def __call__(self, conn: Any, records: list[str]) -> None:
            raise RuntimeError("disk gone")

    recorder, started, hold = Failing(), asyncio.Event(), asyncio.Event()
    leader = asyncio.ensure_future(_unit(recorder, "a", started, hold=hold))
    await started.wait()
    follower = asyncio.ensure_future(_unit(recorder, "b"))
    await asyncio.sleep(0)
    hold.set()
    results = await asyncio.gather(leader, follower, return_exceptions=True)
    assert [str(r) for r in results] == ["disk gone", "disk gone"]
    assert await _written() == set()


async def test_a_leader_cancelled_at_its_end_still_commits_the_units_behind_it(batched):
    # Given a leader that ended its body and waits for a follower to end its own,
    recorder, started, hold = Recorder(), asyncio.Event(), asyncio.Event()
    follower_started, follower_hold = asyncio.Event(), asyncio.Event()
    leading = asyncio.ensure_future(_unit(recorder, "a", started, hold=hold))
    await started.wait()
    following = asyncio.ensure_future(_unit(recorder, "b", follower_started, hold=follower_hold))
    await asyncio.sleep(0)
    hold.set()
    await follower_started.wait()
    # when the leader is cancelled (its deadline), the batch still commits both units,
    leading.cancel()
    follower_hold.set()
    results = await asyncio.gather(leading, following, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError) and results[1] is None
    assert recorder.batches == [["a", "b"]]
    assert await _written() == {"a", "b"}


async def test_two_sign_ins_in_one_mutation_are_both_answered(api):
    # The first failed sign-in writes (its failure count); the second counts its attempt
    # in the same transaction, which commits with both answers.
    login = '{username: "nobody-here", password: "wrong-password"}'
    body = await api(
        f"mutation {{ a: staffLogin(input: {login}) {{ errors {{ code }} }}"
        f" b: staffLogin(input: {login}) {{ errors {{ code }} }} }}"
    )
    assert body["data"] == {
        "a": {"errors": [{"code": "INVALID_CREDENTIALS"}]},
        "b": {"errors": [{"code": "INVALID_CREDENTIALS"}]},
    }


async def test_a_job_after_another_write_in_one_mutation_is_refused_with_a_code(api):
    member = await make_member()
    await record_purchase(member.id, "old", Decimal("10.00"), utcnow(), occurred_at=BOUGHT)
    operations = await staff_api(api, Role.OPERATIONS)
    adjust = (
        f'adjustPoints(input: {{memberId: "{gid(member.id)}", points: 5, reason: "x",'
        ' idempotencyKey: "k1"}) { errors { code } }'
    )
    expiry = 'runPointsExpiry(asOf: "2025-02-01T00:00:00+08:00") { changed }'
    body = await operations(f"mutation {{ {adjust} {expiry} }}")
    # (a JobReport is never null: the refusal nulls the answer's data)
    [error] = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["runPointsExpiry"], "INVALID_STATE")
    # The adjustment before it commits with the operation's entry, which says so.
    assert await PointsEntry.filter(member_id=member.id, idempotency_key="k1").exists()
    [entry] = await AuditEntry.filter(
        actor_type="STAFF", fields_=["adjustPoints", "runPointsExpiry"]
    )
    assert entry.error_codes == ["INVALID_STATE"]
