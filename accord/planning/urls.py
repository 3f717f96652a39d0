from django.urls import path

from accord.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/scenarios/", views.scenario_add, name="scenario_add"),
    path("<int:plan_id>/<str:action>/", views.plan_action, name="action"),
]
