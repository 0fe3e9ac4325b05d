"""Erasure that finds everything (issue 21): the ledger's guards let erasure clear an
entry's reason (the free text staff wrote about the member) and refuse every other
UPDATE as before; pending_scrub remembers terminations whose erased values may still be
in SQLite's write-ahead log, so a restarted process retries them."""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.points import install_guards


async def _reinstall_guards(apps: Any, schema_editor: Any) -> None:
    await install_guards(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0005_purchase_lookup_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PendingScrub",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("erased_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "pending_scrub",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A termination whose erased values may still be on disk, "
                "until a scrub completes.",
            },
            bases=["Model"],
        ),
        ops.RunPython(_reinstall_guards),
    ]
