"""Fewer index entries per imported lead (CSV import of 100,000 leads, issue 3).

1. Contact.email/phone/external_id and Lead.external_id stay unique, but through
   ``UniqueConstraint``s named as the column constraints PostgreSQL already has, instead of
   ``unique=True``. The field option also makes Django add a ``varchar_pattern_ops`` index on
   PostgreSQL (for ``LIKE 'x%'``), which no query uses and every inserted row paid for. The
   database keeps its unique constraints as they are (state-only change); on PostgreSQL the
   four ``_like`` indexes are dropped. SQLite never had them: nothing changes there.
2. Lead.team and StageTransition.actor: the full foreign-key index becomes a partial one
   (``WHERE ... IS NOT NULL``). Imported and automatic moves have no actor and most leads
   no team, so the index held an entry per row for nothing; lookups by a team or a user,
   and ``SET_NULL`` on their deletion, are still served (``= x`` implies ``IS NOT NULL``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names Django gave them (``_create_index_name(table, [column], suffix="_like")``).
LIKE_INDEXES = {
    "contacts_contact_email_b008e8f9_like": ("contacts_contact", "email"),
    "contacts_contact_phone_2a8bc2d8_like": ("contacts_contact", "phone"),
    "contacts_contact_external_id_47c68d86_like": ("contacts_contact", "external_id"),
    "contacts_lead_external_id_e554c51c_like": ("contacts_lead", "external_id"),
}


def like_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in LIKE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def like_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in LIKE_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apikey"),
        ("contacts", "0004_redundant_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(like_indexes_drop, like_indexes_create),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="email",
                    field=models.CharField(
                        blank=True, max_length=254, null=True, verbose_name="email"
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="phone",
                    field=models.CharField(
                        blank=True, max_length=20, null=True, verbose_name="phone"
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="external_id",
                    field=models.CharField(blank=True, max_length=120, null=True),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="external_id",
                    field=models.CharField(blank=True, max_length=120, null=True),
                ),
                migrations.AddConstraint(
                    model_name="contact",
                    constraint=models.UniqueConstraint(
                        fields=("email",), name="contacts_contact_email_key"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="contact",
                    constraint=models.UniqueConstraint(
                        fields=("phone",), name="contacts_contact_phone_key"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="contact",
                    constraint=models.UniqueConstraint(
                        fields=("external_id",), name="contacts_contact_external_id_key"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lead",
                    constraint=models.UniqueConstraint(
                        fields=("external_id",), name="contacts_lead_external_id_key"
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="lead",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="leads",
                to="accounts.team",
            ),
        ),
        migrations.AlterField(
            model_name="stagetransition",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("team__isnull", False)),
                fields=["team"],
                name="contacts_le_team_set_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="stagetransition",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="contacts_st_actor_set_idx",
            ),
        ),
    ]
