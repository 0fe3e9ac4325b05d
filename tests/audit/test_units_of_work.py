"""A change and the audit entry that records it commit together (DESIGN §4): a mutation is
one unit of work, a job commits in audited batches, and a refusal keeps its entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from models.audit import AuditEntry
from models.enums import AuditOutcome, Role
from models.points import PointsEntry, Purchase
from services import audit
from services.audit import verify_chain
from services.clock import utcnow
from services.points import record_purchase
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


async def test_a_job_commits_its_changes_in_audited_batches(api):
    # Given 60 members whose points of January 2023 lapsed at the end of January 2025,
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
