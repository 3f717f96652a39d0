"""An import adds properties to the ones stored when it writes, not when it planned.

The import plans outside its write transaction (``people_plan``, the leads plan) and writes
later. A capture submission that added a key to the same contact or lead in between used to
be dropped: the planned dict, read before the submission, was written back whole.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accord.contacts.models import Contact, Lead
from accord.contacts.services import contact_upsert, lead_create
from accord.integrations.importing.people import people_plan, people_save
from accord.integrations.importing.writers.leads import _leads_update


def test_import_keeps_a_contact_property_added_after_it_planned(db):
    contact, _ = contact_upsert(email="known@example.com", properties={"stored": 1})
    record = {"email": "known@example.com", "first_name": "Ann", "properties": {"imported": 2}}
    plan, _, changed = people_plan([record], match_external_id=False, now=timezone.now())
    assert changed == [True]
    # A submission for the same person commits between the plan and the write.
    contact_upsert(email="known@example.com", properties={"captured": 3})

    with transaction.atomic():
        people_save(plan, now=timezone.now())

    contact.refresh_from_db()
    assert contact.properties == {"stored": 1, "captured": 3, "imported": 2}
    assert contact.first_name == "Ann"


def test_import_keeps_a_lead_property_added_after_it_planned(db):
    contact, _ = contact_upsert(email="lead@example.com")
    lead = lead_create(contact=contact, properties={"stored": 1})
    planned = Lead.objects.get(pk=lead.pk)  # what the plan read
    planned.properties = {**planned.properties, "imported": 2}
    # The API adds a key to the stored lead before the import writes.
    Lead.objects.filter(pk=lead.pk).update(properties={"stored": 1, "api": 3})

    with transaction.atomic():
        _leads_update([planned], ["properties"], now=timezone.now())

    lead.refresh_from_db()
    assert lead.properties == {"stored": 1, "api": 3, "imported": 2}
    assert Contact.objects.count() == 1
