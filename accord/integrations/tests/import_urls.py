"""URLs for the import page tests: the site's own, with the import pages at /import/.

(``config/urls.py`` mounts them the same way; this keeps the tests independent of the order
in which apps are wired in.)
"""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("import/", include("accord.integrations.urls")),
    *[p for p in site_urlpatterns if getattr(p, "app_name", None) != "imports"],
]
