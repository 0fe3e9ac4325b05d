"""The demo history of `memberhub seed-demo` makes every service figure meaningful."""

from __future__ import annotations

from app import seed_communications
from app.seed import seed_staff
from models.communication import Communication, ServiceCase
from models.enums import CaseStatus, CommunicationCategory, MemberStatus, Role
from services import insights
from services.cases import overdue_q
from services.clock import utcnow
from tests.conftest import staff_token
from tests.factories import make_member


async def test_seed_gives_cases_of_every_fate_and_scores(api):
    members = [await make_member(marketing_sms=n % 2 == 0) for n in range(40)]
    gone = await make_member(status=MemberStatus.TERMINATED)
    await seed_communications.seed([m.id for m in members] + [gone.id], await seed_staff())
    now = utcnow()
    assert await ServiceCase.filter(status=CaseStatus.ESCALATED).count() >= 1
    assert await ServiceCase.filter(overdue_q(now)).count() >= 1
    assert await ServiceCase.filter(status=CaseStatus.CLOSED).count() >= 3
    marketing = await Communication.filter(category=CommunicationCategory.MARKETING).count()
    assert marketing == 20
    assert await Communication.filter(member_id=gone.id).count() == 0
    figures = await insights.insights(None, None, now)
    for rate in (figures.satisfaction_rate, figures.response_sla_rate, figures.resolution_sla_rate):
        assert rate is not None and 0 < rate < 1
    # and the dashboard reads it over GraphQL
    analyst = api.as_(await staff_token(Role.ANALYST, "seed-analyst"))
    result = await analyst("{ insights { satisfactionRate responseSlaRate } }")
    assert result["data"]["insights"]["satisfactionRate"] == figures.satisfaction_rate
