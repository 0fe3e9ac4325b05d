"""Missed case deadlines announced once (issue 24, DESIGN §8 event case.overdue): which
deadline of a service case the case.overdue event has announced."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_webhooks")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ServiceCase",
            name="late_announced",
            field=fields.CharField(max_length=16, null=True),
        ),
    ]
