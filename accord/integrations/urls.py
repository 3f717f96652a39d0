"""Import pages, mounted at ``/import/`` by ``config/urls.py``."""

from django.urls import path

from accord.integrations import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("history/", views.history, name="history"),
    path("<str:token>/mapping/", views.mapping, name="mapping"),
    path("<str:token>/preview/", views.preview, name="preview"),
    path("<str:token>/rejected.csv", views.rejects, name="rejects"),
]
