"""Demo communications for `memberhub seed-demo`, written through services/communications.

Enough history that the dashboard means something: a marketing campaign (consent
decides who gets it), care calls with satisfaction scores, and service cases of every
fate: answered and resolved in time, resolved late, escalated, overdue, just opened.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from app.seed import living_members
from models.enums import (
    CaseKind,
    CommunicationCategory,
    ContactChannel,
    Direction,
    Role,
)
from models.staff import StaffUser
from services import cases
from services.clock import utcnow
from services.communications import (
    Broadcast,
    CommunicationEntry,
    log_communication,
    send_communication,
)

# One case per this many members, at most CASE_LIMIT: keeps seeding a few seconds.
MEMBERS_PER_CASE = 4
CASE_LIMIT = 250
# Mostly happy customers, so the satisfaction rate lands near the 90 % target.
SCORES = (5, 5, 5, 4, 4, 4, 5, 5, 4, 3)
Scenario = Callable[[int, CaseKind, float], Awaitable[None]]
SUBJECTS = {
    CaseKind.COMPLAINT: ("Parcel arrived damaged", "Points missing after purchase", "Rude staff"),
    CaseKind.INQUIRY: ("How do I reach Gold?", "When do my points expire?", "Store hours"),
    CaseKind.SUGGESTION: ("More vegetarian options", "Add a dark mode to the app"),
}


def _pick_staff(staff: list[StaffUser], role: Role) -> StaffUser:
    return next((s for s in staff if role.value in s.roles), staff[0])


class _Seeder:
    def __init__(self, staff: list[StaffUser], now: datetime) -> None:
        self.agent = _pick_staff(staff, Role.SERVICE)
        self.supervisor = _pick_staff(staff, Role.ADMIN)
        self.now = now
        self.random = random.Random(6)

    async def open(self, member_id: int, kind: CaseKind, opened_at: datetime) -> int:
        subject = self.random.choice(SUBJECTS[kind])
        opening = cases.CaseOpening(
            member_id,
            kind,
            ContactChannel.PHONE,
            subject,
            f"Member called: {subject.lower()}.",
            opened_at,
        )
        return (await cases.open_service_case(opening, self.now, staff_id=self.agent.id)).id

    async def settle(
        self, case_id: int, answered: datetime, resolved: datetime, score: int
    ) -> None:
        """Answer, resolve and have the member rate the case."""
        await cases.respond_to_case(
            case_id, "Thank you, we are on it.", answered, self.now, staff_id=self.agent.id
        )
        await cases.resolve_case(
            case_id,
            "Sorted out; sorry for the trouble.",
            resolved,
            self.now,
            staff_id=self.agent.id,
        )
        rated_at = resolved + timedelta(hours=2)
        await cases.rate_case(case_id, score, None, rated_at, staff_id=None, rater_member_id=None)

    async def on_time(self, member_id: int, kind: CaseKind, days_ago: float) -> None:
        opened = self.now - timedelta(days=days_ago)
        case_id = await self.open(member_id, kind, opened)
        hours = self.random.uniform(1, 20)
        answered = opened + timedelta(hours=hours)
        score = self.random.choice(SCORES)
        await self.settle(case_id, answered, answered + timedelta(hours=12), score)

    async def late(self, member_id: int, kind: CaseKind, days_ago: float) -> None:
        opened = self.now - timedelta(days=days_ago)
        case_id = await self.open(member_id, kind, opened)
        # Late on both deadlines, and the member says so.
        await self.settle(case_id, opened + timedelta(hours=30), opened + timedelta(hours=70), 2)

    async def escalated(self, member_id: int, kind: CaseKind, days_ago: float) -> None:
        opened = self.now - timedelta(days=days_ago)
        case_id = await self.open(member_id, kind, opened)
        answered = opened + timedelta(hours=3)
        await cases.respond_to_case(
            case_id, "Passing this to a supervisor.", answered, self.now, staff_id=self.agent.id
        )
        await cases.escalate_case(
            case_id,
            self.supervisor.id,
            "Repeat complaint; needs a goodwill gesture.",
            answered + timedelta(hours=1),
            staff_id=self.agent.id,
        )

    async def overdue(self, member_id: int, kind: CaseKind, days_ago: float) -> None:
        await self.open(member_id, kind, self.now - timedelta(days=days_ago))

    async def fresh(self, member_id: int, kind: CaseKind, _days_ago: float) -> None:
        # Logged as an inbound contact (within the hour): the service opens the case itself.
        entry = CommunicationEntry(
            member_id,
            ContactChannel.ONLINE_CHAT,
            Direction.INBOUND,
            CommunicationCategory(kind.value),
            self.random.choice(SUBJECTS[kind]),
            "Asked in the app chat.",
            self.now - timedelta(hours=self.random.uniform(0.5, 6)),
        )
        await log_communication(entry, self.now, staff_id=self.agent.id)

    def scenarios(self) -> list[tuple[Scenario, CaseKind]]:
        """Ten cases' fates in turn: most handled in time, one of each kind of trouble."""
        inquiry, complaint, suggestion = CaseKind.INQUIRY, CaseKind.COMPLAINT, CaseKind.SUGGESTION
        return [
            (self.on_time, complaint),
            (self.late, complaint),
            (self.on_time, inquiry),
            (self.escalated, complaint),
            (self.on_time, suggestion),
            (self.overdue, inquiry),
            (self.on_time, complaint),
            (self.fresh, complaint),
            (self.on_time, inquiry),
            (self.on_time, complaint),
        ]


async def _care_calls(member_ids: list[int], seeder: _Seeder) -> None:
    for member_id in member_ids:
        days_ago = seeder.random.uniform(1, 60)
        entry = CommunicationEntry(
            member_id,
            ContactChannel.PHONE,
            Direction.OUTBOUND,
            CommunicationCategory.CARE,
            "Welcome call",
            "Explained the tier ladder and points expiry.",
            seeder.now - timedelta(days=days_ago),
            satisfaction_score=seeder.random.choice(SCORES),
        )
        await log_communication(entry, seeder.now, staff_id=seeder.agent.id)


async def seed(member_ids: list[int], staff: list[StaffUser]) -> None:
    reachable = [member_id for (member_id,) in await living_members(member_ids, "id")]
    if not reachable or not staff:
        return
    now = utcnow()
    seeder = _Seeder(staff, now)
    campaign = Broadcast(
        ContactChannel.SMS,
        CommunicationCategory.MARKETING,
        "Double points this weekend!",
        "Spring sale",
    )
    marketer = _pick_staff(staff, Role.MARKETING)
    await send_communication(
        campaign, now - timedelta(days=14), staff_id=marketer.id, member_ids=reachable
    )
    count = min(max(1, len(reachable) // MEMBERS_PER_CASE), CASE_LIMIT)
    await _care_calls(reachable[:count], seeder)
    scenarios = seeder.scenarios()
    for index, member_id in enumerate(seeder.random.sample(reachable, count)):
        scenario, kind = scenarios[index % len(scenarios)]
        await scenario(member_id, kind, seeder.random.uniform(4, 28))
