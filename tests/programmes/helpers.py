"""Builders for programme tests: members in a given state as of a fixed moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.communication import Communication
from models.delivery import Delivery
from models.enums import ProgrammeCode
from models.member import Member
from models.programme import ProgrammeRun
from services.programmes import ProgrammeChange, run_programme, update_programme
from tests import factories

# 10:00 in Asia/Shanghai, the business time zone of the tests.
AS_OF = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def make_member(**extra: object) -> Member:
    """A member who consents to EMAIL, the channel programmes use for members with an
    address: programmes reach only members who consent (services/programmes/messages.py)."""
    return await factories.make_member(**{"marketing_email": True, **extra})  # type: ignore[arg-type]


async def settle(code: ProgrammeCode, **change: object) -> None:
    """The programme's settings, with no holdout unless asked: each test decides its draw."""
    values = {"holdout_share": 0.0, **change}
    await update_programme(code, ProgrammeChange(**values), AS_OF)  # type: ignore[arg-type]


async def run(code: ProgrammeCode, as_of: datetime = AS_OF) -> ProgrammeRun:
    return await run_programme(code, as_of, as_of)


async def messaged(member_id: int) -> list[Communication]:
    return await Communication.filter(member_id=member_id).order_by("id")


async def queued(member_id: int) -> int:
    return await Delivery.filter(member_id=member_id).count()
