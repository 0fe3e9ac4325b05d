"""Scheduled jobs as the worker runs them (DESIGN §8): each run recorded, and the lease
that lets one worker of several run each due job."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.enums import JobRunStatus


class JobRun(Model):
    """One run of a job, by a worker or by `memberhub run-job`: RUNNING until it ends OK
    with its counts or FAILED with its error."""

    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=64)
    as_of = fields.DatetimeField()
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(JobRunStatus, max_length=16)
    counts: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    error = fields.TextField(null=True)

    class Meta:
        table = "job_run"
        indexes = (("job", "id"),)


class JobLease(Model):
    """A job's latest claimed slot, and while it runs the worker holding it and until when.

    A slot is due when it is later than `slot`, or equal to it with a lease that expired
    (its worker was killed): released leases (no holder) mark the slot done."""

    job = fields.CharField(max_length=64, primary_key=True)
    slot = fields.DatetimeField()
    holder = fields.CharField(max_length=128, null=True)
    expires_at = fields.DatetimeField(null=True)
    run_id = fields.IntField(null=True)

    class Meta:
        table = "job_lease"
