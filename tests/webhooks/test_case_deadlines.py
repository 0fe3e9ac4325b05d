"""case.overdue: each deadline a service case misses is announced once, in the order they
fall, by the case-deadlines job (DESIGN §8)."""

from __future__ import annotations

from datetime import timedelta

from core.ids import to_global_id
from models.communication import ServiceCase
from models.enums import CaseKind, ContactChannel
from models.webhook import WebhookDelivery
from services.case_deadlines import run_case_deadlines
from services.cases import CaseOpening, open_service_case, respond_to_case
from services.clock import as_utc, utcnow
from services.webhooks import create_endpoint
from tests.factories import make_member

NAME = "赵六"


async def _overdue() -> list[dict]:
    rows = await WebhookDelivery.filter(event_type="case.overdue").order_by("id")
    return [row.payload["data"] for row in rows]


async def _case(member_id: int, now) -> ServiceCase:
    opening = CaseOpening(
        member_id, CaseKind.COMPLAINT, ContactChannel.PHONE, "Late parcel", f"{NAME} waits"
    )
    return await open_service_case(opening, now, staff_id=None)


async def test_each_missed_deadline_is_announced_once_in_order():
    # Given an endpoint for case.overdue and a complaint nobody answers,
    now = utcnow()
    await create_endpoint("http://127.0.0.1:9/hooks", ["case.overdue"], None, now)
    member = await make_member(name=NAME)
    case = await _case(member.id, now)
    response_due, resolution_due = as_utc(case.response_due_at), as_utc(case.resolution_due_at)
    # when the job runs before the response is due, nothing is announced;
    assert (await run_case_deadlines(response_due - timedelta(minutes=1))).changed == 0
    assert await _overdue() == []
    # once it is late, the response deadline is announced, once however often the job runs;
    result = await run_case_deadlines(response_due + timedelta(minutes=1))
    assert (result.examined, result.changed) == (1, 1)
    await run_case_deadlines(response_due + timedelta(minutes=16))
    assert [event["deadline"] for event in await _overdue()] == ["RESPONSE"]
    # and once the resolution is late too, that deadline, once.
    await run_case_deadlines(resolution_due + timedelta(minutes=1))
    await run_case_deadlines(resolution_due + timedelta(hours=1))
    events = await _overdue()
    assert [event["deadline"] for event in events] == ["RESPONSE", "RESOLUTION"]
    assert events[1] == {
        "memberId": to_global_id("Member", member.id),
        "memberNo": member.member_no,
        "caseId": to_global_id("ServiceCase", case.id),
        "kind": "COMPLAINT",
        "deadline": "RESOLUTION",
        "dueAt": resolution_due.isoformat().replace("+00:00", "Z"),
    }
    assert not any(NAME in str(event) for event in events)


async def test_a_case_answered_in_time_is_announced_only_when_its_resolution_is_late():
    now = utcnow()
    await create_endpoint("http://127.0.0.1:9/hooks", ["case.overdue"], None, now)
    member = await make_member()
    case = await _case(member.id, now)
    await respond_to_case(case.id, "We are on it.", now, now, staff_id=None)
    resolution_due = as_utc(case.resolution_due_at)
    # Both deadlines are past when the job first runs: only the missed one is announced.
    await run_case_deadlines(resolution_due + timedelta(minutes=1))
    assert [event["deadline"] for event in await _overdue()] == ["RESOLUTION"]


async def test_both_deadlines_missed_between_two_runs_are_announced_in_order():
    now = utcnow()
    await create_endpoint("http://127.0.0.1:9/hooks", ["case.overdue"], None, now)
    member = await make_member()
    case = await _case(member.id, now)
    await run_case_deadlines(as_utc(case.resolution_due_at) + timedelta(days=1))
    assert [event["deadline"] for event in await _overdue()] == ["RESPONSE", "RESOLUTION"]
