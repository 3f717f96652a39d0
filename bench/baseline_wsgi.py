"""Bench only: Accord's settings and middleware with one bare django-ninja endpoint.

``bench/capture_load.py`` serves this next to the real app to measure the floor: a POST that
returns a constant, through the same gunicorn, middleware stack and settings. Never shipped.
"""

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import path
from ninja import NinjaAPI

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
settings.ROOT_URLCONF = __name__

api = NinjaAPI(urls_namespace="bench-baseline", auth=None)


@api.post("/constant")
def constant(request):
    return {"status": "accepted"}


urlpatterns = [path("bench/", api.urls)]
application = get_wsgi_application()
