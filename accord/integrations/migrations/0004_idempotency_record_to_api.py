# The idempotency record moved to ``accord.api`` (api.0001) with its table: state only, the
# table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_housekeeping_schedule"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
