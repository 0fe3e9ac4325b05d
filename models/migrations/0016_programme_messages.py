"""Messages sent by a programme (issue 26, DESIGN §10): marked with the programme, so the
outbox asks the channel's consent and waits out the quiet hours for them as for MARKETING."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_effects")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Communication",
            name="programme",
            field=fields.CharField(max_length=32, null=True),
        ),
    ]
