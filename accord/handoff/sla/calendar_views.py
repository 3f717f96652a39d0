"""Business calendar pages (managers and administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.handoff.agreement import selectors as agreement_selectors
from accord.handoff.agreement import services
from accord.handoff.agreement.forms import CalendarForm
from accord.handoff.agreement.views import managers_only
from accord.handoff.models import BusinessCalendar


@managers_only
def calendar_list(request: PageRequest) -> HttpResponse:
    return render(
        request, "handoff/calendar_list.html", {"calendars": agreement_selectors.calendars()}
    )


@managers_only
def calendar_edit(request: PageRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id) if calendar_id else None
    initial = CalendarForm.initial_of(calendar) if calendar else {"time_zone": "UTC"}
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "user": request.user,
            "name": data["name"],
            "time_zone": data["time_zone"],
            "working_hours": form.working_hours(),
            "holidays": form.holidays_list(),
            "team_id": data["team"].pk if data["team"] else None,
            "is_default": data["is_default"],
        }
        try:
            if calendar:
                services.calendar_update(calendar_id=calendar.pk, **fields)
            else:
                services.calendar_create(**fields)
            messages.success(request, _("The calendar was saved."))
            return redirect("handoff:calendar_list")
        except DomainError as error:
            field = (error.field or "").split("[")[0]
            if field.startswith("working_hours."):
                field = "hours_" + field.split(".")[1]
            elif field == "team":
                field = "team"
            form.add_error(field if field in form.fields else None, error.message)
    return render(request, "handoff/calendar_edit.html", {"calendar": calendar, "form": form})
