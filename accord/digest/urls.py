from django.urls import path

from accord.digest import views

app_name = "digest"

urlpatterns = [
    path("", views.digest_latest, name="latest"),
    path("history/", views.digest_history, name="history"),
    path("<int:digest_id>/", views.digest_detail, name="detail"),
    path("<int:digest_id>/agenda/", views.agenda_add, name="agenda_add"),
    path("<int:digest_id>/decisions/", views.decision_add, name="decision_add"),
    path("decisions/<int:decision_id>/close/", views.decision_close, name="decision_close"),
    path("<int:digest_id>/charts/<slug:chart>.png", views.chart, name="chart"),
]
