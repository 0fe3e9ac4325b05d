"""Indexes for member lists at scale (issue 7): filtered by status in joinedAt order, or
ordered by points balance or lifetimeSpend, a page reads its rows in index order instead
of sorting every member first."""

from typing import Any

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.member import install_spend_index


async def _spend_index(apps: Any, schema_editor: Any) -> None:
    await install_spend_index(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0002_ledger_guards")]

    initial = False

    operations = [
        ops.AddIndex(model_name="Member", index=Index(fields=["status", "joined_at", "id"])),
        ops.AddIndex(model_name="Member", index=Index(fields=["points_balance", "id"])),
        ops.RunPython(_spend_index),
    ]
