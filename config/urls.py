from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults
from django.views.generic import RedirectView

from accord.api.errors import error_body
from accord.pipeline.products import urls as product_urls
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    # Pages without a <link rel="icon"> (the admin) make browsers ask for /favicon.ico.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("web/favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("api/v1/", api.urls),
    path("", include("accord.ops.urls")),  # /health/live, /health/ready, /metrics
    path("capture/", include("accord.tracking.capture.urls")),
    path("deals/", include("accord.pipeline.board.urls")),
    path("handoff/", include("accord.handoff.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("import/", include("accord.integrations.urls")),
    path("intel/", include("accord.intel.urls")),
    path("digest/", include("accord.digest.urls")),
    path("leads/", include("accord.handoff.lead.urls")),
    path("planning/", include("accord.planning.urls")),
    path("privacy/", include("accord.privacy.urls")),
    path("products/", include(product_urls.products_patterns)),
    path("promotions/", include(product_urls.promotions_patterns)),
    path("discounts/", include(product_urls.discounts_patterns)),
    path("deals/", include(product_urls.deal_lines_patterns)),  # a deal's line items
    path("reports/", include("accord.analytics.urls")),
    path("reviews/", include("accord.quality.review_urls")),
    path("audits/", include("accord.quality.audit_urls")),
    path("scoring/predictive/", include("accord.scoring.predictive.urls")),
    path("scoring/", include("accord.scoring.urls")),
    path("settings/webhooks/", include("accord.integrations.webhooks.urls")),
    path("settings/capture-sites/", include("accord.tracking.site_urls")),
    path("settings/pipelines/", include("accord.pipeline.settings_urls")),
    path("settings/", include("accord.web.settings_urls")),
    path("tasks/", include("accord.pipeline.tasks.urls")),
    path("", include("accord.workspace.urls")),
    path("", include("accord.web.urls")),
]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A 400 Django raises before any view runs (e.g. a Host header that is not a domain):
    API clients get the API's JSON error, people the usual page."""
    if request.path.startswith("/api/"):
        body = error_body("bad_request", "The request could not be understood (bad header?).")
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


handler400 = bad_request
