"""The sales side of /handoff/: inbox, manager and marketing views, notifications and the
lead actions. Included by ``accord.handoff.urls`` (namespace ``handoff``)."""

from django.urls import path

from accord.handoff.inbox import views
from accord.handoff.lead import views as views_lead

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("team/", views.team, name="team"),
    path("marketing/", views.marketing, name="marketing"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("leads/<int:lead_id>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:lead_id>/reject/", views.lead_reject, name="lead_reject"),
    path("leads/<int:lead_id>/attempt/", views.lead_attempt, name="lead_attempt"),
    path("leads/<int:lead_id>/qualify/", views.lead_qualify, name="lead_qualify"),
    path("leads/<int:lead_id>/deal/", views.lead_deal, name="lead_deal"),
    path("leads/<int:lead_id>/rating/", views.lead_rating, name="lead_rating"),
    path("leads/<int:lead_id>/reassign/", views.lead_reassign_view, name="lead_reassign"),
    # The lead page's panel (answers with the panel, not an inbox row).
    path("leads/<int:lead_id>/panel/qualify/", views_lead.lead_qualify, name="lead_panel_qualify"),
    path("leads/<int:lead_id>/panel/deal/", views_lead.lead_deal, name="lead_panel_deal"),
    path("leads/<int:lead_id>/panel/rating/", views_lead.lead_rate_view, name="lead_panel_rate"),
]
