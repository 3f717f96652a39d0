"""How an SLA clock reads to a rep: time left in *business* time of the clock's calendar
(nights, weekends and holidays do not count), and its state for colour: ``ok``, ``warning``
(inside the agreement's warning window: amber) or ``breached`` (red)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from accord.handoff.models import SlaClock
from accord.handoff.sla.clocks import clock_business_remaining

OK, WARNING, BREACHED = "ok", "warning", "breached"
STATES = (OK, WARNING, BREACHED)


@dataclass(frozen=True)
class SlaShown:
    state: str  # ok | warning | breached
    text: str  # "2 h 10 min left (business hours)"
    kind: str  # "Accept or reject", "First attempt"…
    due_at: datetime
    minutes: float  # business minutes left (negative: overdue)


def duration_text(minutes: float) -> str:
    """``130`` → "2 h 10 min"; under a minute → "under 1 min"."""
    whole = int(abs(minutes))
    hours, rest = divmod(whole, 60)
    if hours and rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    if rest:
        return _("%(m)s min") % {"m": rest}
    return _("under 1 min")


def clock_state(clock: SlaClock, now: datetime) -> str:
    if clock.due_at < now:
        return BREACHED
    if clock.warn_at is not None and clock.warn_at <= now:
        return WARNING
    return OK


def sla_shown(clock: SlaClock, *, now: datetime) -> SlaShown:
    minutes = clock_business_remaining(clock, now=now)
    state = clock_state(clock, now)
    if state == BREACHED:
        text = _("%(time)s overdue (business hours)") % {"time": duration_text(minutes)}
    else:
        text = _("%(time)s left (business hours)") % {"time": duration_text(minutes)}
    return SlaShown(
        state=state,
        text=text,
        kind=str(clock.get_kind_display()),
        due_at=clock.due_at,
        minutes=minutes,
    )
