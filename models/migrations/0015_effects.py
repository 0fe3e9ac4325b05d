"""The effect of sends (issue 26, DESIGN §10): a send's outreach keeps the channel and the
category it went out on, so `sends` can say what was sent; null for programme runs."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.enums import CommunicationCategory, ContactChannel


class Migration(migrations.Migration):
    dependencies = [("models", "0014_programmes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Outreach",
            name="channel",
            field=fields.CharEnumField(ContactChannel, max_length=16, null=True),
        ),
        ops.AddField(
            model_name="Outreach",
            name="category",
            field=fields.CharEnumField(CommunicationCategory, max_length=16, null=True),
        ),
    ]
