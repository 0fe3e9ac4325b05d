"""When a job is due: the latest moment at or before now its cron expression names in the
business time zone; and the schedule settings memberhub refuses to start with."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.settings import OFF, InvalidSetting, load_settings
from services.schedules import due_slot
from tests.processes import memberhub_cli

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the default business zone: UTC+8, no DST


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_a_daily_job_is_due_at_its_local_hour():
    # Given "0 2 * * *" in Shanghai, 02:00 local is 18:00 UTC the day before.
    # When it is 02:30 local, then today's 02:00 is due; at 01:59, yesterday's still is.
    assert due_slot("0 2 * * *", SHANGHAI, utc(2026, 3, 10, 18, 30)) == utc(2026, 3, 10, 18)
    assert due_slot("0 2 * * *", SHANGHAI, utc(2026, 3, 10, 17, 59)) == utc(2026, 3, 9, 18)


def test_a_slot_is_due_at_its_very_moment():
    assert due_slot("0 * * * *", SHANGHAI, utc(2026, 3, 10, 18)) == utc(2026, 3, 10, 18)
    assert due_slot("0 * * * *", SHANGHAI, utc(2026, 3, 10, 18, 0, 59)) == utc(2026, 3, 10, 18)


def test_the_same_expression_in_another_zone_is_due_at_another_moment():
    assert due_slot("0 2 * * *", ZoneInfo("UTC"), utc(2026, 3, 10, 18, 30)) == utc(2026, 3, 10, 2)


def test_the_quarterly_evaluation_is_due_on_the_first_day_of_the_quarter():
    # 1 April 04:00 in Shanghai is 31 March 20:00 UTC: due all through the quarter.
    expression = "0 4 1 1,4,7,10 *"
    assert due_slot(expression, SHANGHAI, utc(2026, 5, 20)) == utc(2026, 3, 31, 20)
    assert due_slot(expression, SHANGHAI, utc(2026, 3, 31, 19, 59)) == utc(2025, 12, 31, 20)


def test_a_zone_with_daylight_saving_keeps_the_local_hour():
    # New York moves its clocks on 8 March 2026: 10:00 local is 15:00 UTC before, 14:00 after.
    new_york = ZoneInfo("America/New_York")
    assert due_slot("0 10 * * *", new_york, utc(2026, 3, 7, 16)) == utc(2026, 3, 7, 15)
    assert due_slot("0 10 * * *", new_york, utc(2026, 3, 9, 16)) == utc(2026, 3, 9, 14)


def test_off_is_never_due():
    assert due_slot(OFF, SHANGHAI, utc(2026, 3, 10)) is None


def test_the_schedules_default_to_the_design(monkeypatch):
    for name in ("POINTS_EXPIRY", "TERMINATIONS", "TAG_REFRESH", "TIER_EVALUATION", "PROGRAMMES"):
        monkeypatch.delenv(f"MEMBERHUB_SCHEDULE_{name}", raising=False)
    settings = load_settings()
    assert settings.schedule_points_expiry == "0 2 * * *"
    assert settings.schedule_terminations == "0 * * * *"
    assert settings.schedule_tag_refresh == "0 3 * * *"
    assert settings.schedule_tier_evaluation == "0 4 1 1,4,7,10 *"
    assert settings.schedule_programmes == "0 10 * * *"


def test_off_is_a_schedule(monkeypatch):
    monkeypatch.setenv("MEMBERHUB_SCHEDULE_TAG_REFRESH", "off")
    assert load_settings().schedule_tag_refresh == OFF


@pytest.mark.parametrize("value", ["every night", "61 * * * *", "0 0 2 * * *", "", "0 2 * *"])
def test_a_schedule_that_is_not_cron_is_refused(monkeypatch, value):
    # Six fields would be croniter's seconds; four are not cron.
    monkeypatch.setenv("MEMBERHUB_SCHEDULE_PROGRAMMES", value)
    with pytest.raises(InvalidSetting, match="MEMBERHUB_SCHEDULE_PROGRAMMES=.* is not a cron"):
        load_settings()


async def test_memberhub_refuses_to_start_with_an_invalid_schedule(monkeypatch):
    # Given a schedule that is not cron, when any command starts, then it stops with a
    # message naming the setting and the usage status, before touching the database.
    monkeypatch.setenv("MEMBERHUB_SCHEDULE_TERMINATIONS", "hourly please")
    result = await memberhub_cli("verify-ledger")
    assert result.returncode == 2
    assert "MEMBERHUB_SCHEDULE_TERMINATIONS='hourly please' is not a cron expression" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
