"""The settings hub and the API access page, mounted at /settings/."""

from django.urls import path

from accord.web import settings_views

app_name = "settings"

urlpatterns = [
    path("", settings_views.hub, name="hub"),
    path("api/", settings_views.api_access, name="api"),
    path("api/keys/", settings_views.key_create, name="key_create"),
    path("api/keys/<int:key_id>/revoke/", settings_views.key_revoke, name="key_revoke"),
]
