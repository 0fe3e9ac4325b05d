"""Scheduled jobs run by the worker (issue 24 §4): job_run records every run, job_lease
lets one worker of several run each due job and another take over from a killed one."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import JobRunStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0007_delivery")]

    initial = False

    operations = [
        ops.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("job", fields.CharField(max_length=64)),
                ("as_of", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="RUNNING: RUNNING\nOK: OK\nFAILED: FAILED",
                        enum_type=JobRunStatus,
                        max_length=16,
                    ),
                ),
                (
                    "counts",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("error", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "job_run",
                "app": "models",
                "indexes": [Index(fields=["job", "id"])],
                "pk_attr": "id",
                "table_description": "One run of a job, by a worker or by `memberhub run-job`: "
                "RUNNING until it ends OK with its counts or FAILED with its error.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="JobLease",
            fields=[
                (
                    "job",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("slot", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("holder", fields.CharField(null=True, max_length=128)),
                (
                    "expires_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("run_id", fields.IntField(null=True)),
            ],
            options={
                "table": "job_lease",
                "app": "models",
                "pk_attr": "job",
                "table_description": "A job's latest claimed slot, and while it runs the "
                "worker holding it and until when.",
            },
            bases=["Model"],
        ),
    ]
