import django.db.models.deletion
from django.db import migrations, models

import accord.pipeline.models.pipelines


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0004_default_pipeline")]

    operations = [
        # Required first, without a default: a callable default given together with the
        # NOT NULL change would be called here, on today's models against this old schema.
        migrations.AlterField(
            model_name="deal",
            name="pipeline",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals",
                to="pipeline.pipeline",
                verbose_name="pipeline",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="pipeline",
            field=models.ForeignKey(
                default=accord.pipeline.models.pipelines.pipeline_default_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deals",
                to="pipeline.pipeline",
                verbose_name="pipeline",
            ),
        ),
    ]
