"""The ledger's append-only triggers: the database refuses UPDATE and DELETE of entries."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from models.points import install_guards


async def _install(apps: Any, schema_editor: Any) -> None:
    await install_guards(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(_install)]
