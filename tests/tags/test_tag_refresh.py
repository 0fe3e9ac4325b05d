"""Rule tags follow purchases at once and everyone through runTagRefresh / `run-job tag-refresh`;
segments select members by tags."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
from datetime import date
from typing import Any

from app.progress import terminal_bar
from core.ids import to_global_id
from models.audit import AuditEntry
from models.enums import Role, TagCategory, TagSource
from models.member import Member
from models.tag import TagErrorReport
from services import units
from services.clock import utcnow
from services.tags import refresh, run_tag_refresh
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.members.test_lifecycle import CONSENTS
from tests.processes import memberhub_cli
from tests.sql_counter import count_sql
from tests.tags.helpers import active_tag, carriers

FREQUENT = {"field": "ordersLast30d", "op": "gte", "value": 3}
RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { errors { code } }
}"""
RUN = "mutation($asOf: DateTime) { runTagRefresh(asOf: $asOf) { job asOf examined changed } }"
SEGMENT = """
query($filter: MemberFilter) {
  members(first: 50, filter: $filter) { edges { node { memberNo } } }
}"""


async def _buy(api: Any, token: str, member: Member, ref: str) -> None:
    variables = {
        "input": {"memberId": to_global_id("Member", member.id), "orderRef": ref, "amount": "10.00"}
    }
    result = await api(RECORD, variables, token=token)
    assert result["data"]["recordPurchase"]["errors"] == []


async def test_a_purchase_refreshes_the_buyer_s_behaviour_tags(api, db) -> None:
    # given a behaviour tag and two buyers, one without profiling consent
    consenting = await make_member()
    private = await make_member()
    await Member.filter(id=consenting.id).update(profiling=True)
    await active_tag("frequent", FREQUENT, TagCategory.BEHAVIOR)
    service = await staff_token(Role.SERVICE)
    # when each buys three times
    for n in range(3):
        await _buy(api, service, consenting, f"C-{n}")
        await _buy(api, service, private, f"P-{n}")
        # then the tag appears with the third purchase, only with consent
        assert await carriers("frequent") == ({consenting.id} if n == 2 else set())


async def test_withdrawn_consent_removes_behaviour_tags_at_the_next_refresh(api, db) -> None:
    member = await make_member()
    await Member.filter(id=member.id).update(profiling=True)
    await active_tag(
        "joined", {"field": "daysSinceJoined", "op": "gte", "value": 0}, TagCategory.PREFERENCE
    )
    assert await carriers("joined") == {member.id}
    await Member.filter(id=member.id).update(profiling=False)
    operations = await staff_token(Role.OPERATIONS)
    result = await api(RUN, {"asOf": "2030-01-01T00:00:00+00:00"}, token=operations)
    assert result["data"]["runTagRefresh"] == {
        "job": "tag-refresh",
        "asOf": "2030-01-01T00:00:00+00:00",
        "examined": 1,
        "changed": 1,
    }
    assert await carriers("joined") == set()


async def test_marketing_may_not_run_the_refresh(as_role) -> None:
    marketing = await as_role(Role.MARKETING)
    result = await marketing(RUN)
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]


async def test_segments_select_members_by_tags(api, db) -> None:
    # given a, b, c carrying {vip, adult}, {adult}, {}
    a = await make_member(birth_date=date(1990, 1, 1))
    b = await make_member(birth_date=date(1991, 1, 1))
    c = await make_member(birth_date=date(2015, 1, 1))
    await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    await active_tag("vip")
    service = await staff_token(Role.SERVICE)
    assign = "mutation($i: AssignTagInput!) { assignTag(input: $i) { errors { code } } }"
    await api(
        assign, {"i": {"memberId": to_global_id("Member", a.id), "tagCode": "vip"}}, token=service
    )

    async def segment(**filter: list[str]) -> set[str]:
        result = await api(SEGMENT, {"filter": filter}, token=service)
        return {e["node"]["memberNo"] for e in result["data"]["members"]["edges"]}

    assert await segment(tagsAll=["vip", "adult"]) == {a.member_no}
    assert await segment(tagsAny=["vip", "adult"]) == {a.member_no, b.member_no}
    assert await segment(tagsNone=["vip"]) == {b.member_no, c.member_no}
    assert await segment(tagsAll=["adult"], tagsNone=["vip"]) == {b.member_no}


async def test_the_command_line_job_refreshes_and_reports(db) -> None:
    member = await make_member(birth_date=date(1990, 1, 1))
    tag = await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    await Member.filter(id=member.id).update(birth_date=date(2015, 1, 1))
    as_of = "2026-01-01T00:00:00+00:00"
    done = await memberhub_cli("run-job", "tag-refresh", "--as-of", as_of, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["job"], report["changed"]) == ("tag-refresh", 1)
    assert await carriers(tag.code) == set()


async def test_a_batch_reads_its_members_facts_once_for_all_rules(db) -> None:
    # given three rule tags, one on purchase facts, and members some of them hold
    adult = await make_member(birth_date=date(1990, 1, 1))
    child = await make_member(birth_date=date(2015, 1, 1))
    await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    await active_tag("senior", {"field": "age", "op": "gte", "value": 65})
    await active_tag("spender", {"field": "spendLast365d", "op": "gte", "value": 100})
    # when the job runs with a member changed since the tags were computed
    await Member.filter(id=child.id).update(birth_date=date(1980, 1, 1))
    async with count_sql() as counted:
        assert (await run_tag_refresh(utcnow())).changed == 1
    # then one statement read the batch's facts for every rule, and only the change was
    # written (its statement checks that one member's rule again)
    reads = [text for text in counted.statements if text.startswith("SELECT m.id")]
    assert len(reads) == 1
    writes = [
        text for text in counted.statements if text.startswith(("DELETE", "INSERT INTO member_tag"))
    ]
    assert len(writes) == 1
    assert await carriers("adult") == {adult.id, child.id}


async def test_a_batch_whose_tags_follow_their_rules_writes_nothing(db) -> None:
    # given tags the job has brought up to date
    await make_member(birth_date=date(1990, 1, 1))
    await make_member(birth_date=date(2015, 1, 1))
    tag = await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    await run_tag_refresh(utcnow())
    entries = await AuditEntry.all().count()
    # when it runs again with nothing changed
    async with count_sql() as counted:
        assert (await run_tag_refresh(utcnow())).changed == 0
    # then the batch only read: the one write stamps the refresh time, with its entry
    stamp = counted.statements.index(
        next(text for text in counted.statements if text.startswith('UPDATE "tag_definition"'))
    )
    assert all(text.startswith("SELECT") for text in counted.statements[:stamp])
    assert await AuditEntry.all().count() == entries + 1
    assert await carriers(tag.code) == {(await Member.get(birth_date=date(1990, 1, 1))).id}


async def test_a_batch_writes_what_the_rule_says_when_it_writes(db, monkeypatch) -> None:
    # given a member who holds "adult" but whose birth date no longer says so, and one
    # the rule holds for who lacks it
    stale = await make_member(birth_date=date(1990, 1, 1))
    tag = await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    due = await make_member(birth_date=date(1991, 1, 1))
    await Member.filter(id=stale.id).update(birth_date=date(2015, 1, 1))
    read = refresh._differences

    async def another_writer() -> None:
        await Member.filter(id=stale.id).update(birth_date=date(1990, 1, 1))
        await TagErrorReport.create(
            member_id=due.id,
            tag_id=tag.id,
            source=TagSource.RULE,
            note="wrong",
            reported_at=utcnow(),
            suppressing=True,
        )

    async def then_changed(*args: Any) -> Any:
        found = await read(*args)
        # between the batch's read and its write: the first is an adult again, and the
        # second's tag is reported wrong (by a writer outside the job's unit of work)
        elsewhere = contextvars.copy_context()
        elsewhere.run(units._UNIT.set, None)
        await asyncio.create_task(another_writer(), context=elsewhere)
        return found

    monkeypatch.setattr(refresh, "_differences", then_changed)
    # when the job runs, then each write followed the data as it was when written
    assert (await run_tag_refresh(utcnow())).changed == 0
    assert await carriers(tag.code) == {stale.id}


async def test_the_job_draws_a_progress_bar(db) -> None:
    # The bar counts members: two of them.
    await make_member()
    await make_member(name="李四")
    await active_tag("adult", {"field": "age", "op": "gte", "value": 18})
    await active_tag("senior", {"field": "age", "op": "gte", "value": 65})
    screen = io.StringIO()
    await run_tag_refresh(utcnow(), progress=terminal_bar("tag-refresh", screen))
    drawn = screen.getvalue()
    assert drawn.startswith("\rtag-refresh [") and "2/2 100%" in drawn


async def test_withdrawing_consent_over_the_api_removes_behaviour_tags_at_once(api, db) -> None:
    # given a member with profiling consent carrying a PREFERENCE rule tag
    member = await make_member()
    await Member.filter(id=member.id).update(profiling=True)
    await active_tag(
        "joined", {"field": "daysSinceJoined", "op": "gte", "value": 0}, TagCategory.PREFERENCE
    )
    assert await carriers("joined") == {member.id}
    # when they withdraw profiling consent themselves
    result = await api(
        CONSENTS, {"input": {"consents": {"profiling": False}}}, token=await member_token(member.id)
    )
    assert result["data"]["setConsents"]["errors"] == []
    # then the tag is gone without waiting for the periodic refresh
    assert await carriers("joined") == set()
