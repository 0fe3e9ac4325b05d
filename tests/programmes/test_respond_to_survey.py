"""Answering a survey by its one-time code over HTTP, without signing in (DESIGN §10): once,
within 30 days, counted in the satisfaction rate beside the service's scores."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.settings import get_settings
from models.communication import Communication
from models.enums import (
    CommunicationCategory,
    Direction,
    ProgrammeCode,
    Role,
    TerminationReason,
)
from models.programme import SurveyToken
from services.clock import local_date, utcnow
from services.members import terminate_membership
from services.programmes.audience import local_day
from tests.factories import make_purchase
from tests.programmes.helpers import make_member, run, settle

RESPOND = """
mutation($input: RespondToSurveyInput!) {
  respondToSurvey(input: $input) { ok errors { field code } }
}
"""
INSIGHTS = """
{ insights { satisfactionRate satisfactionRateSurveys satisfactionRateCases satisfactionTarget } }
"""


async def surveyed() -> tuple[int, str]:
    """A member surveyed about yesterday's purchase, and the code their message carries."""
    now = utcnow()
    await settle(ProgrammeCode.SATISFACTION_REVISIT, sample_rate=1.0, delay_days=1)
    member = await make_member()
    start, _ = local_day(local_date(now) - timedelta(days=1))
    await make_purchase(member, "88", start + timedelta(hours=1))
    await run(ProgrammeCode.SATISFACTION_REVISIT, now)
    message = await Communication.get(member_id=member.id)
    found = re.search(r": (\S+)$", message.content or "")
    assert found is not None
    return member.id, found.group(1)


def answer(token: str, score: int = 5, comment: str | None = None) -> dict:
    return {"input": {"token": token, "score": score, "comment": comment}}


async def test_an_answer_by_token_without_login_moves_the_satisfaction_rate(api, as_role):
    member_id, token = await surveyed()
    analyst = await as_role(Role.ANALYST)
    before = (await analyst(INSIGHTS))["data"]["insights"]
    assert before["satisfactionRate"] is None and before["satisfactionTarget"] == 0.9

    body = (await api(RESPOND, answer(token, 5, "Quick delivery")))["data"]["respondToSurvey"]

    assert body == {"ok": True, "errors": []}
    reply = await Communication.get(member_id=member_id, direction=Direction.INBOUND)
    assert (reply.category, reply.satisfaction_score, reply.content) == (
        CommunicationCategory.SURVEY,
        5,
        "Quick delivery",
    )
    after = (await analyst(INSIGHTS))["data"]["insights"]
    assert after["satisfactionRate"] == 1.0
    assert after["satisfactionRateSurveys"] == 1.0
    assert after["satisfactionRateCases"] is None


async def test_a_token_answers_once(api):
    _, token = await surveyed()
    await api(RESPOND, answer(token, 4))
    again = (await api(RESPOND, answer(token, 1)))["data"]["respondToSurvey"]
    assert again["errors"] == [{"field": ["input", "token"], "code": "INVALID_STATE"}]
    scores = await Communication.filter(direction=Direction.INBOUND).values_list(
        "satisfaction_score", flat=True
    )
    assert scores == [4]


async def test_an_expired_token_is_refused(api):
    _, token = await surveyed()
    await SurveyToken.all().update(expires_at=utcnow() - timedelta(seconds=1))
    body = (await api(RESPOND, answer(token)))["data"]["respondToSurvey"]
    assert body["errors"] == [{"field": ["input", "token"], "code": "INVALID_STATE"}]
    assert await Communication.filter(direction=Direction.INBOUND).count() == 0


async def test_a_forged_token_is_invalid_as_an_unknown_one(api):
    _, token = await surveyed()
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x"):
        body = (await api(RESPOND, answer(forged)))["data"]["respondToSurvey"]
        assert body["errors"] == [{"field": ["input", "token"], "code": "INVALID"}]
    assert await SurveyToken.filter(used_at__isnull=False).count() == 0


@pytest.mark.parametrize("score", [0, 6, -1])
async def test_a_score_outside_one_to_five_is_invalid_and_keeps_the_token(api, score):
    _, token = await surveyed()
    body = (await api(RESPOND, answer(token, score)))["data"]["respondToSurvey"]
    assert body["errors"] == [{"field": ["input", "score"], "code": "INVALID"}]
    assert (await api(RESPOND, answer(token, 3)))["data"]["respondToSurvey"]["ok"] is True


async def test_a_comment_is_limited(api):
    _, token = await surveyed()
    body = (await api(RESPOND, answer(token, 3, "x" * 2001)))["data"]["respondToSurvey"]
    assert body["errors"] == [{"field": ["input", "comment"], "code": "INVALID"}]


async def test_answers_are_limited_per_client_address(api):
    for _ in range(get_settings().survey_rate_limit):
        await api(RESPOND, answer("unknown"))
    body = (await api(RESPOND, answer("unknown")))["data"]["respondToSurvey"]
    assert body["errors"][0]["code"] == "RATE_LIMITED"


async def test_erasure_deletes_the_token_so_it_answers_as_unknown(api):
    member_id, token = await surveyed()
    await terminate_membership(member_id, TerminationReason.VOLUNTARY, utcnow())
    assert await SurveyToken.filter(member_id=member_id).count() == 0
    body = (await api(RESPOND, answer(token)))["data"]["respondToSurvey"]
    assert body["errors"] == [{"field": ["input", "token"], "code": "INVALID"}]
