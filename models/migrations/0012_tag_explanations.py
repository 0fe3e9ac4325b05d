"""Why a member has a tag (issue 25, DESIGN §9): whether members see a tag's assignments
(`visible_to_member`), and when rule tags were last computed, per tag by the refresh
of every member (`tag_definition.refreshed_at`) and per member by the refresh of one
member after a purchase or a profile change (`member.tags_refreshed_at`); an assignment
was computed at the later of the two."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_campaigns")]

    initial = False

    operations = [
        ops.AddField(
            model_name="TagDefinition",
            name="visible_to_member",
            # db_default: SQLite adds a NOT NULL column to a table with rows only with a
            # default in the column itself.
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name="TagDefinition",
            name="refreshed_at",
            field=fields.DatetimeField(null=True),
        ),
        ops.AddField(
            model_name="Member",
            name="tags_refreshed_at",
            field=fields.DatetimeField(null=True),
        ),
    ]
