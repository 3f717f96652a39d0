"""The site's URLs with the hand-off mounted at /handoff/ (as config.urls does once wired)."""

from django.urls import include, path

from config.urls import urlpatterns as site

urlpatterns = list(site)
if not any(getattr(p, "namespace", None) == "handoff" for p in site):
    urlpatterns.append(path("handoff/", include("accord.handoff.urls")))
