"""The seeded agreement's and calendar's names read in the reader's language."""

from __future__ import annotations

from django.utils import translation


def test_the_seeded_agreement_and_calendar_names_are_translated():
    from accord.handoff import defaults
    from accord.handoff.models import BusinessCalendar, HandoffAgreement

    agreement = HandoffAgreement(name=defaults.AGREEMENT_NAME)
    calendar = BusinessCalendar(name=defaults.CALENDAR_NAME)
    renamed = HandoffAgreement(name="Our SLA")
    with translation.override("ru"):
        assert str(agreement) == "Передача лидов от маркетинга продажам"
        assert str(calendar).startswith("По умолчанию")
        assert str(renamed) == "Our SLA"
    assert str(agreement) == "Marketing and sales hand-off"
