"""jobRuns over GraphQL: the worker's and run-job's runs, for ADMIN and OPERATIONS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import to_global_id
from models.enums import JobRunStatus, Role
from models.job import JobRun
from tests.processes import memberhub_cli

RUNS = """
query Runs($job: String, $first: Int, $after: String) {
  jobRuns(job: $job, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id job startedAt finishedAt status counts error } }
  }
}
"""
START = datetime(2026, 3, 10, 2, tzinfo=UTC)


async def _runs() -> list[JobRun]:
    ok = await JobRun.create(
        job="terminations",
        as_of=START,
        started_at=START,
        finished_at=START + timedelta(seconds=3),
        status=JobRunStatus.OK,
        counts={"examined": 4, "changed": 1, "erasuresPending": 0},
    )
    failed = await JobRun.create(
        job="tag-refresh",
        as_of=START,
        started_at=START + timedelta(minutes=1),
        finished_at=START + timedelta(minutes=2),
        status=JobRunStatus.FAILED,
        error="RuntimeError: boom",
    )
    running = await JobRun.create(
        job="terminations",
        as_of=START + timedelta(hours=1),
        started_at=START + timedelta(hours=1),
        status=JobRunStatus.RUNNING,
    )
    return [ok, failed, running]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATIONS])
async def test_staff_running_the_jobs_read_every_run_newest_first(as_role, role):
    ok, failed, running = await _runs()
    result = await (await as_role(role))(RUNS)
    assert "errors" not in result
    page = result["data"]["jobRuns"]
    assert page["totalCount"] == 3
    nodes = [edge["node"] for edge in page["edges"]]
    assert [node["id"] for node in nodes] == [
        to_global_id("JobRun", record.id) for record in (running, failed, ok)
    ]
    assert nodes[2] == {
        "id": to_global_id("JobRun", ok.id),
        "job": "terminations",
        "startedAt": "2026-03-10T02:00:00+00:00",
        "finishedAt": "2026-03-10T02:00:03+00:00",
        "status": "OK",
        "counts": {"examined": 4, "changed": 1, "erasuresPending": 0},
        "error": None,
    }
    assert (nodes[1]["status"], nodes[1]["error"]) == ("FAILED", "RuntimeError: boom")
    assert (nodes[0]["status"], nodes[0]["finishedAt"], nodes[0]["counts"]) == (
        "RUNNING",
        None,
        {},
    )


async def test_runs_of_one_job_page_by_page(as_role):
    ok, _, running = await _runs()
    admin = await as_role(Role.ADMIN)
    first = (await admin(RUNS, {"job": "terminations", "first": 1}))["data"]["jobRuns"]
    assert [edge["node"]["id"] for edge in first["edges"]] == [to_global_id("JobRun", running.id)]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    second = (await admin(RUNS, {"job": "terminations", "after": after}))["data"]["jobRuns"]
    assert [edge["node"]["id"] for edge in second["edges"]] == [to_global_id("JobRun", ok.id)]
    assert second["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("role", [Role.SERVICE, Role.MARKETING, Role.ANALYST, Role.AUDITOR])
async def test_other_staff_are_forbidden(as_role, role):
    await _runs()
    result = await (await as_role(role))(RUNS)
    assert not (result["data"] or {}).get("jobRuns")
    assert {error["extensions"]["code"] for error in result["errors"]} == {"FORBIDDEN"}


async def test_anonymous_callers_are_refused(api):
    await _runs()
    result = await api(RUNS)
    assert not (result["data"] or {}).get("jobRuns")
    assert {error["extensions"]["code"] for error in result["errors"]} == {"UNAUTHENTICATED"}


async def test_run_job_records_its_run():
    # cron's runs are in jobRuns too.
    result = await memberhub_cli("run-job", "terminations", "--as-of", "2026-03-10T02:00:00Z")
    assert result.returncode == 0, result.stderr
    (record,) = await JobRun.all()
    assert (record.job, record.status, record.as_of) == ("terminations", JobRunStatus.OK, START)
    assert record.counts == {"examined": 0, "changed": 0, "erasuresPending": 0}


async def test_metrics_count_the_runs_by_job_and_status(client):
    # Counted in the database: a worker process's runs show on the server's /metrics.
    await _runs()
    text = (await client.get("/metrics")).text
    assert 'memberhub_job_runs_total{job="terminations",status="OK"} 1' in text
    assert 'memberhub_job_runs_total{job="terminations",status="RUNNING"} 1' in text
    assert 'memberhub_job_runs_total{job="tag-refresh",status="FAILED"} 1' in text
