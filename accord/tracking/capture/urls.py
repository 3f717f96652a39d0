"""Public capture URLs, mounted at /capture/ (outside the authenticated /api/v1/)."""

from django.urls import path

from accord.tracking.capture import views

app_name = "capture"

urlpatterns = [
    path("lead", views.lead_capture, name="lead"),
    path("event", views.event_capture, name="event"),
    path("t.js", views.snippet, name="snippet"),
]
