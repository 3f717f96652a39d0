"""Hand-off pages, mounted at /handoff/. Agreement and calendars here; routing, the inbox and
feedback add their paths below under their own prefixes."""

from django.urls import path

from accord.handoff.agreement import views as views_agreement
from accord.handoff.inbox.urls import urlpatterns as sales_urlpatterns
from accord.handoff.routing import views as views_routing
from accord.handoff.sla import calendar_views as views_calendars

app_name = "handoff"

urlpatterns = [
    path("agreement/", views_agreement.agreement_overview, name="agreement"),
    path("agreement/draft/", views_agreement.draft_create, name="draft_create"),
    path("agreement/<int:version_id>/edit/", views_agreement.draft_edit, name="draft_edit"),
    path(
        "agreement/<int:version_id>/<str:action>/",
        views_agreement.version_action,
        name="version_action",
    ),
    path("calendars/", views_calendars.calendar_list, name="calendar_list"),
    path("calendars/new/", views_calendars.calendar_edit, name="calendar_create"),
    path("calendars/<int:calendar_id>/", views_calendars.calendar_edit, name="calendar_edit"),
    path("routing/", views_routing.routing_list, name="routing_list"),
    path("routing/new/", views_routing.routing_edit, name="routing_create"),
    path("routing/<int:rule_id>/", views_routing.routing_edit, name="routing_edit"),
    path(
        "routing/<int:rule_id>/move/<str:direction>/",
        views_routing.routing_move,
        name="routing_move",
    ),
    path("routing/<int:rule_id>/delete/", views_routing.routing_delete, name="routing_delete"),
]
urlpatterns += sales_urlpatterns
