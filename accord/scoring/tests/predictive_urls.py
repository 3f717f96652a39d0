"""URLconf for the backtest page tests: the project's URLs plus the page's include."""

from django.urls import include, path

from config.urls import urlpatterns as project_urls

urlpatterns = [
    path("scoring/predictive/", include("accord.scoring.predictive.urls")),
    *[u for u in project_urls if "scoring/predictive" not in str(u.pattern)],
]
