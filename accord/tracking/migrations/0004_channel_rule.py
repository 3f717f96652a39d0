import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tracking", "0003_capture_site"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChannelRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                ("field", models.CharField(choices=[("source", "Source"), ("medium", "Medium"), ("campaign", "Campaign"), ("referrer_host", "Referrer host"), ("landing_url", "Landing page URL")], max_length=20, verbose_name="field")),
                ("operator", models.CharField(choices=[("exact", "is exactly"), ("contains", "contains"), ("starts_with", "starts with"), ("regex", "matches regular expression"), ("in", "is one of (comma-separated)")], max_length=20, verbose_name="operator")),
                ("value", models.CharField(max_length=500, verbose_name="value")),
                ("channel", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="rules", to="tracking.channel", verbose_name="channel")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "channel rule",
                "verbose_name_plural": "channel rules",
                "ordering": ["position", "id"],
            },
        ),
    ]
