"""The reference data's version (issue 27): a row moved by triggers on every write to the tier
ladder, the tag definitions and the benefits, so a process may keep them in memory."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from models.reference_data import install_reference_version


async def _reference_version(apps: Any, schema_editor: Any) -> None:
    await install_reference_version(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0018_erasure_lookup_indexes")]

    initial = False

    operations = [ops.RunPython(_reference_version)]
