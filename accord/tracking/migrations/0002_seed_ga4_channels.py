from django.db import migrations

from accord.tracking.channels import GA4_DEFAULT_CHANNELS


def seed(apps, schema_editor):
    Channel = apps.get_model("tracking", "Channel")
    for position, spec in enumerate(GA4_DEFAULT_CHANNELS, start=1):
        Channel.objects.update_or_create(
            slug=spec.slug,
            defaults={"name": spec.name, "is_paid": spec.is_paid, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
