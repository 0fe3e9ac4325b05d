"""Member search by index (issue 28): on SQLite an FTS5 trigram table kept in step with
`member` by triggers and filled from the members there are; on PostgreSQL pg_trgm GIN
indexes on name, phone and email."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from models.member_search import install_search_index


async def _search_index(apps: Any, schema_editor: Any) -> None:
    await install_search_index(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0016_programme_messages")]

    initial = False

    operations = [ops.RunPython(_search_index)]
