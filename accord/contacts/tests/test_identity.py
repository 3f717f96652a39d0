"""Finding people again: normalised email and E.164 phone dedupe, open journeys."""

from __future__ import annotations

import pytest

from accord.contacts.models import Contact, Lead
from accord.contacts.rules import email_normalise, phone_normalise
from accord.contacts.services import contact_upsert, lead_open_or_create, lead_transition
from accord.core.errors import InvalidInput
from accord.core.lifecycle import Stage


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Anna@Example.COM ", "anna@example.com"), ("", None), (None, None)],
)
def test_email_normalise(raw, expected):
    assert email_normalise(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@", "@b.com", "a b@c.com"])
def test_malformed_email_names_the_field(raw):
    with pytest.raises(InvalidInput) as raised:
        email_normalise(raw)
    assert raised.value.field == "email"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+7 (912) 345-67-89", None, "+79123456789"),
        ("8 912 345 67 89", "RU", "+79123456789"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("+1 415-555-2671", "RU", "+14155552671"),
    ],
)
def test_phone_normalise_to_e164(raw, region, expected):
    assert phone_normalise(raw, default_region=region) == expected


@pytest.mark.parametrize("raw", ["12", "call me", "+7 000"])
def test_invalid_phone_names_the_field(raw):
    with pytest.raises(InvalidInput) as raised:
        phone_normalise(raw)
    assert raised.value.field == "phone"


@pytest.mark.django_db
def test_case_and_whitespace_variants_are_one_contact():
    first, created_first = contact_upsert(email="Maria@Example.com", first_name="Maria")
    second, created_second = contact_upsert(email="  maria@example.COM  ", last_name="Ivanova")
    assert created_first and not created_second
    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.first_name, second.last_name) == ("Maria", "Ivanova")
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_phone_formats_are_one_contact_and_known_data_is_not_overwritten():
    first, _ = contact_upsert(phone="+7 912 345-67-89", first_name="Ivan")
    second, created = contact_upsert(phone="89123456789", phone_region="RU", first_name="Vanya")
    assert not created and first.pk == second.pk
    second.refresh_from_db()
    assert second.first_name == "Ivan"


@pytest.mark.django_db
def test_neither_email_nor_phone_is_refused_and_writes_nothing():
    with pytest.raises(InvalidInput) as raised:
        contact_upsert(first_name="Nobody")
    assert raised.value.field == "email"
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_open_journey_is_reused_and_a_closed_one_starts_anew():
    contact, _ = contact_upsert(email="buyer@example.com")
    lead, created = lead_open_or_create(contact=contact)
    again, created_again = lead_open_or_create(contact=contact)
    assert created and not created_again and again.pk == lead.pk

    lead_transition(lead_id=lead.pk, to_stage=Stage.DISQUALIFIED, reason="student")
    fresh, created_fresh = lead_open_or_create(contact=contact)
    assert created_fresh and fresh.pk != lead.pk
    assert Lead.objects.filter(contact=contact).count() == 2
