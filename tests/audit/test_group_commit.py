"""The audit chain's group commit: the entries of operations running together share one
write, and no entry waits long for an operation that is slow to finish."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.enums import AuditOutcome
from services import audit
from services.clock import utcnow


@pytest.fixture
def written(monkeypatch: Any) -> list[list[str]]:
    """The batches the chain writes, as the operation names of their entries."""
    batches: list[list[str]] = []

    async def write(batch: list[audit.Entry]) -> None:
        batches.append([entry.operation_name for entry in batch])

    monkeypatch.setattr(audit, "_write", write)
    return batches


def _entry(name: str) -> audit.Entry:
    return audit.Entry(
        at=utcnow(),
        actor_type="staff",
        actor_id="staff:1",
        roles=["ADMIN"],
        operation_type="query",
        operation_name=name,
        fields_=["viewer"],
        variables=None,
        target_ids=[],
        sensitive_fields=[],
        outcome=AuditOutcome.OK,
        error_codes=[],
        ip=None,
        user_agent=None,
        request_id=name,
        duration_ms=1.0,
    )


async def _settled() -> None:
    for _ in range(5):  # the drainer and the appenders each take a few turns
        await asyncio.sleep(0)


async def test_a_lone_operation_is_written_at_once(written) -> None:
    group = audit._GroupCommit()
    operation = group.expect()
    await asyncio.wait_for(group.append(_entry("a")), 1)
    operation.release()
    assert written == [["a"]]


async def test_operations_running_together_share_one_write(written, monkeypatch) -> None:
    monkeypatch.setattr(audit, "GATHER_SECONDS", 10)
    group = audit._GroupCommit()
    operations = group.expect(), group.expect()
    first = asyncio.ensure_future(group.append(_entry("a")))
    await _settled()
    assert written == []  # waiting for the other operation's entry
    await asyncio.wait_for(group.append(_entry("b")), 1)
    await first
    assert written == [["a", "b"]]
    for operation in operations:
        operation.release()


async def test_an_operation_that_ends_without_an_entry_does_not_hold_up_the_write(
    written, monkeypatch
) -> None:
    monkeypatch.setattr(audit, "GATHER_SECONDS", 10)
    group = audit._GroupCommit()
    writing, silent = group.expect(), group.expect()
    first = asyncio.ensure_future(group.append(_entry("a")))
    await _settled()
    assert written == []
    silent.release()  # it ended without an entry
    await asyncio.wait_for(first, 1)
    writing.release()
    assert written == [["a"]]


async def test_a_slow_operation_holds_up_the_write_for_at_most_the_gathering_time(
    written, monkeypatch
) -> None:
    monkeypatch.setattr(audit, "GATHER_SECONDS", 0.05)
    group = audit._GroupCommit()
    operations = group.expect(), group.expect()
    await asyncio.wait_for(group.append(_entry("a")), 1)
    assert written == [["a"]]  # the other operation is still running
    for operation in operations:
        operation.release()
