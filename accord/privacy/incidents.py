"""Breach incidents: their 24 h / 72 h timers and the reminder job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accord.accounts.models import Role, User
from accord.handoff.notifications import notify_many
from accord.privacy.models import Incident
from accord.privacy.rules import FOLLOW_UP_WITHIN, REPORT_WITHIN, incident_timer_state


@dataclass(frozen=True)
class IncidentTimers:
    incident: Incident
    report_due: datetime
    report_state: str
    follow_up_due: datetime
    follow_up_state: str

    @property
    def overdue(self) -> bool:
        return "overdue" in (self.report_state, self.follow_up_state)


def incident_timers(incident: Incident, *, now: datetime | None = None) -> IncidentTimers:
    now = now or timezone.now()
    return IncidentTimers(
        incident=incident,
        report_due=incident.detected_at + REPORT_WITHIN,
        report_state=incident_timer_state(
            detected_at=incident.detected_at,
            done_at=incident.reported_at,
            within=REPORT_WITHIN,
            now=now,
        ),
        follow_up_due=incident.detected_at + FOLLOW_UP_WITHIN,
        follow_up_state=incident_timer_state(
            detected_at=incident.detected_at,
            done_at=incident.followed_up_at,
            within=FOLLOW_UP_WITHIN,
            now=now,
        ),
    )


def incident_reminders_send(*, now: datetime | None = None) -> int:
    """Notify every admin once per incident and timer that is close or overdue; return how
    many notifications were new (the notification key makes repeats harmless)."""
    now = now or timezone.now()
    admins = list(
        User.objects.filter(is_active=True).filter(role=Role.ADMIN).values_list("pk", flat=True)
    ) + list(User.objects.filter(is_active=True, is_superuser=True).values_list("pk", flat=True))
    if not admins:
        return 0
    sent = 0
    open_incidents = Incident.objects.filter(followed_up_at__isnull=True)
    for incident in open_incidents:
        timers = incident_timers(incident, now=now)
        for timer, state in (
            ("report", timers.report_state),
            ("follow_up", timers.follow_up_state),
        ):
            if state not in ("due_soon", "overdue"):
                continue
            title = (
                f"Incident {incident.pk}: the 24-hour report is {state.replace('_', ' ')}"
                if timer == "report"
                else f"Incident {incident.pk}: the 72-hour follow-up is {state.replace('_', ' ')}"
            )
            sent += notify_many(
                user_ids=admins,
                kind="privacy.incident",
                title=title,
                key=f"privacy.incident:{incident.pk}:{timer}:{state}",
                body=incident.title,
                url="/privacy/incidents/",
            )
    return sent
