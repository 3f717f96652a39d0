"""The project's URLs plus three views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler400
from config.urls import urlpatterns as project_urlpatterns


def _boom(request):
    raise RuntimeError("a bug")


def _suspicious(request):
    raise SuspiciousOperation("a malformed request")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-errors/500/", _boom),
    path("test-errors/400/", _suspicious),
    path("test-errors/403/", _forbidden),
    *project_urlpatterns,
]

__all__ = ["handler400", "urlpatterns"]
