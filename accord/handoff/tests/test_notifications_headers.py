"""Header safety: a submitted name with CR/LF or other controls still gets its e-mails out."""

from __future__ import annotations

import pytest
from django.core import mail

from accord.handoff.models import Notification
from accord.handoff.notifications import header_text
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.integrations.tests.webhook_support import queued_jobs_run

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "Eve\r\nBcc: victim@example.com",
    "Eve\nSubject: spoofed",
    "Eve\rX-Injected: 1",
    "Eve\x07\x1b[31m\x7f",  # (NUL never reaches a name: input validation refuses it)
    "Eve\u2028Line\u0085Next",
]


@pytest.mark.parametrize("first_name", HOSTILE_NAMES)
def test_crlf_in_lead_name_does_not_stop_its_notification_email(
    first_name, django_capture_on_commit_callbacks
):
    _, (rep,) = team_with_reps(reps=1)
    lead = mql_lead(first_name=first_name, last_name="Smith")
    assert lead_route(lead_id=lead.pk).user_id == rep.pk

    queued_jobs_run(django_capture_on_commit_callbacks)  # the real outbox wake-up job

    (message,) = [m for m in mail.outbox if m.to == [rep.email]]
    subject = message.message()["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert message.subject.startswith("[Accord] ") and "Smith" in message.subject
    assert "Eve" in message.subject
    headers = message.message()
    assert headers["Bcc"] is None and headers["X-Injected"] is None
    assert not Notification.objects.filter(email_pending=True).exists()


def test_header_text_collapses_control_runs_to_one_space():
    assert header_text("a\r\n\tb\x00c\u2028d") == "a b c d"
    assert header_text("  Иван  Петров ") == "Иван Петров"
