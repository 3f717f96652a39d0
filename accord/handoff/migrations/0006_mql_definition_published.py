"""The hand-off agreement becomes the MQL definition scoring applies (issue 14): the active
version's ``mql_definition`` is published as the first definition in force. Until now each
scoring profile kept its own; those rows stay for the record. Open leads are not rescored
here (a migration must not queue work): their stage is unchanged, and the next touch or the
daily decay sweep scores them under the definition in force."""

from django.db import migrations


def publish(apps, schema_editor):
    AgreementVersion = apps.get_model("handoff", "AgreementVersion")
    MqlDefinition = apps.get_model("scoring", "MqlDefinition")
    if MqlDefinition.objects.filter(profile__isnull=True).exists():
        return
    active = AgreementVersion.objects.filter(status="active").order_by("-activated_at").first()
    if active is None:
        return
    terms = active.content.get("mql_definition") or {}
    if terms.get("min_score") is None:
        return
    MqlDefinition.objects.create(
        profile=None,
        version=1,
        min_score=int(terms["min_score"]),
        min_grade=str(terms.get("min_grade") or "").upper(),
        required_fields=list(terms.get("required_fields") or []),
        fast_track=bool(terms.get("fast_track", True)),
        agreement_version=active.number,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0005_notification_email_outbox"),
        ("scoring", "0004_mql_definition_from_agreement"),
    ]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
