from django.urls import path

from accord.privacy import views

app_name = "privacy"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("requests/", views.requests_page, name="requests"),
    path("requests/export/", views.request_export, name="request_export"),
    path("requests/erase/", views.request_erase, name="request_erase"),
    path("requests/consent/", views.consent_change_view, name="consent_change"),
    path("audit/", views.audit_list, name="audit"),
    path("incidents/", views.incident_list, name="incidents"),
]
