"""Capture-site settings pages, mounted at /settings/capture-sites/."""

from django.urls import path

from accord.tracking import site_views

app_name = "capture_sites"

urlpatterns = [
    path("", site_views.site_list, name="site_list"),
    path("new/", site_views.site_create, name="site_create"),
    path("<int:site_id>/", site_views.site_snippet, name="site_snippet"),
    path("<int:site_id>/edit/", site_views.site_edit, name="site_edit"),
]
