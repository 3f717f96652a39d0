# The idempotency record moved here from ``integrations`` with its table: this migration only
# tells Django's state that the model is ours now; the table ``integrations_idempotencyrecord``
# (created by integrations.0001) is kept as it is, rows included.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("integrations", "0003_housekeeping_schedule")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("scope", models.CharField(max_length=40)),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[("in_progress", "in progress"), ("done", "done")],
                                default="in_progress",
                                max_length=20,
                            ),
                        ),
                        ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.BinaryField(blank=True, null=True)),
                        (
                            "response_content_type",
                            models.CharField(blank=True, default="", max_length=100),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now
                            ),
                        ),
                    ],
                    options={
                        "db_table": "integrations_idempotencyrecord",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("scope", "key"), name="idempotency_one_per_client_key"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
