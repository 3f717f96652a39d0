"""The project's URLs with the report pages mounted (until ``config/urls.py`` mounts them)."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "reports" for p in urlpatterns):
    urlpatterns.insert(0, path("reports/", include("accord.analytics.urls")))
