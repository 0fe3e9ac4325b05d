"""The points-expiry notice, over GraphQL (DESIGN §8 "Notices"): once per member and
month, naming the points and the date, for members with points expiring soon only."""

from __future__ import annotations

from core.ids import to_global_id
from models.enums import ContactChannel, MemberStatus
from models.member import Member
from models.webhook import WebhookDelivery
from services.clock import utcnow
from services.webhooks import create_endpoint
from tests.factories import make_member
from tests.notices.helpers import delivery_of, notices
from tests.points.helpers import record, redeem, staff_api

NOTICE = """
mutation($asOf: DateTime) {
  runPointsExpiryNotice(asOf: $asOf) { job asOf examined changed }
}"""
SUBJECT = "Your points expire soon"


async def _run(api, as_of: str):
    return (await api(NOTICE, {"asOf": as_of}))["data"]["runPointsExpiryNotice"]


async def test_members_with_points_expiring_soon_are_told_once_a_month(api):
    # Given a member whose 100 points (Jan 2023) expire on 2025-01-31, and one whose points
    # (Mar 2023) expire on 2025-03-31,
    soon, later = await make_member(), await make_member()
    ops = await staff_api(api)
    await record(ops, soon.id, "N-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, later.id, "N-2", "70.00", occurredAt="2023-03-15T12:00:00+08:00")
    # when the notice runs on 2025-01-05 (30 days ahead: to 2025-02-04),
    report = await _run(ops, "2025-01-05T09:00:00+08:00")
    # then only the first member is told, by EMAIL, the points and the date, with its delivery;
    assert (report["job"], report["examined"], report["changed"]) == (
        "points-expiry-notice",
        1,
        1,
    )
    (notice,) = await notices(soon.id, SUBJECT)
    assert notice.content == "100 of your points expire on 2025-01-31. Use them before then."
    assert notice.channel is ContactChannel.EMAIL
    assert (await delivery_of(notice)).channel is ContactChannel.EMAIL
    assert await notices(later.id) == []
    # and running it again, the same day or later that month, sends nothing new.
    assert (await _run(ops, "2025-01-05T09:00:00+08:00"))["changed"] == 0
    assert (await _run(ops, "2025-01-20T09:00:00+08:00"))["changed"] == 0
    assert len(await notices(soon.id, SUBJECT)) == 1


async def test_the_notice_names_the_earliest_date_and_the_total_and_comes_again_next_month(api):
    # Given 100 points expiring on 2025-01-31 and 50 on 2025-02-28, and no email address,
    member = await make_member()
    await Member.filter(id=member.id).update(email=None)
    ops = await staff_api(api)
    await record(ops, member.id, "M-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "M-2", "50.00", occurredAt="2023-02-10T12:00:00+08:00")
    # when the notice runs on the last day of January and again on the first of February,
    assert (await _run(ops, "2025-01-31T09:00:00+08:00"))["changed"] == 1
    assert (await _run(ops, "2025-02-01T09:00:00+08:00"))["changed"] == 1
    # then January's names both dates and February's only what is still to expire, by SMS.
    january, february = await notices(member.id, SUBJECT)
    assert january.content == (
        "100 of your points expire on 2025-01-31. In all 150 expire by 2025-02-28. "
        "Use them before then."
    )
    assert february.content == "50 of your points expire on 2025-02-28. Use them before then."
    assert {(await delivery_of(notice)).channel for notice in (january, february)} == {
        ContactChannel.SMS
    }


async def test_members_whose_membership_is_ending_are_not_told(api):
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "T-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await Member.filter(id=member.id).update(status=MemberStatus.TERMINATING)
    assert (await _run(ops, "2025-01-05T09:00:00+08:00"))["examined"] == 0
    assert await notices(member.id, SUBJECT) == []


async def test_spent_points_are_not_announced(api):
    # Given expiring points already redeemed in full, the member has nothing to lose.
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "S-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "S-2", "30.00")
    await redeem(ops, 100, "spend", member.id)
    report = await _run(ops, "2025-01-05T09:00:00+08:00")
    assert (report["examined"], report["changed"]) == (1, 0)
    assert await notices(member.id, SUBJECT) == []


async def test_the_notice_is_a_points_expiring_event_too(api):
    # Given an endpoint subscribed to points.expiring and a member whose points expire soon,
    await create_endpoint("http://127.0.0.1:9/hooks", ["points.expiring"], None, utcnow())
    member = await make_member()
    ops = await staff_api(api)
    await record(ops, member.id, "E-1", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    await record(ops, member.id, "E-2", "50.00", occurredAt="2023-02-10T12:00:00+08:00")
    # when the notice runs, and again the same month,
    await _run(ops, "2025-01-31T09:00:00+08:00")
    await _run(ops, "2025-01-31T18:00:00+08:00")
    # then the endpoint gets one event with the notice's figures and no personal data.
    (event,) = await WebhookDelivery.filter(event_type="points.expiring")
    assert event.payload["data"] == {
        "memberId": to_global_id("Member", member.id),
        "memberNo": member.member_no,
        "points": 100,
        "expiresOn": "2025-01-31",
        "totalPoints": 150,
        "lastExpiresOn": "2025-02-28",
    }


async def test_a_batch_tells_each_member_not_yet_told_with_their_own_figures(api):
    # Given four members in one batch, whose points all expire on 2025-01-31, the first
    # already told this month and the last with no email address,
    members = [await make_member() for _ in range(4)]
    await Member.filter(id=members[3].id).update(email=None)
    ops = await staff_api(api)
    await record(ops, members[0].id, "B-0", "100.00", occurredAt="2023-01-15T12:00:00+08:00")
    assert (await _run(ops, "2025-01-05T09:00:00+08:00"))["changed"] == 1
    for i, member in enumerate(members[1:], start=1):
        await record(
            ops, member.id, f"B-{i}", f"{100 + i}.00", occurredAt="2023-01-15T12:00:00+08:00"
        )
    # when the notice runs again that month,
    report = await _run(ops, "2025-01-06T09:00:00+08:00")
    # then each of the others is told once, its own points, on its own channel.
    assert (report["examined"], report["changed"]) == (4, 3)
    for i, member in enumerate(members):
        (notice,) = await notices(member.id, SUBJECT)
        assert notice.content.startswith(f"{100 + i} of your points expire on 2025-01-31.")
        expected = ContactChannel.SMS if i == 3 else ContactChannel.EMAIL
        assert (await delivery_of(notice)).channel is expected
