"""Probes and metrics, mounted at the root (``/health/live``, ``/health/ready``, ``/metrics``).

``accord.ops.middleware.RequestMiddleware`` answers these paths itself, before the host
check and the HTTPS redirect; the patterns name them (reverse, the authorization matrix)."""

from django.urls import path

from accord.ops import views

app_name = "ops"

urlpatterns = [
    path("health/live", views.health_live, name="health_live"),
    path("health/ready", views.health_ready, name="health_ready"),
    path("metrics", views.metrics_view, name="metrics"),
]
