"""A purchase's ledger entries and tier change found by the purchase (issue 7): a
replayed recordPurchase looks its promotion up, and a refund sums the purchase's
reversals. Without these indexes the first scanned every tier change (0.7 ms at 10,000
members) and the second every reversal through the kind index (10 ms); both grow with
the programme."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_member_tier_index")]

    initial = False

    operations = [
        ops.AddIndex(model_name="TierChange", index=Index(fields=["purchase_id"])),
        ops.AddIndex(model_name="PointsEntry", index=Index(fields=["purchase_id", "kind"])),
    ]
