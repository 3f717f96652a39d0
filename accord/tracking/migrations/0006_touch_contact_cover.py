"""The (contact, at) index of touchpoints becomes (contact, at, type, channel): the same
searches, and the predictive features' touch counts are read from the index alone. The new
index is built before the old one is dropped, so no query is left without one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracking", "0005_submission_followup")]

    operations = [
        migrations.AddIndex(
            model_name="touchpoint",
            index=models.Index(
                fields=["contact", "at", "type", "channel"], name="tracking_touch_contact_cover"
            ),
        ),
        migrations.RemoveIndex(model_name="touchpoint", name="tracking_to_contact_4651ab_idx"),
    ]
