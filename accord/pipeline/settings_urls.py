"""Pipeline settings pages, mounted at /settings/pipelines/."""

from django.urls import path

from accord.pipeline import settings_views as views

app_name = "pipelines"

urlpatterns = [
    path("", views.pipeline_list, name="pipeline_list"),
    path("new/", views.pipeline_create, name="pipeline_create"),
    path("lost-reasons/", views.lost_reason_list, name="lost_reasons"),
    path("lost-reasons/new/", views.lost_reason_create, name="lost_reason_create"),
    path("lost-reasons/<int:reason_id>/", views.lost_reason_edit, name="lost_reason_edit"),
    path("<int:pipeline_id>/", views.pipeline_detail, name="pipeline_detail"),
    path("<int:pipeline_id>/edit/", views.pipeline_edit, name="pipeline_edit"),
    path("<int:pipeline_id>/delete/", views.pipeline_delete, name="pipeline_delete"),
    path("<int:pipeline_id>/move/<str:direction>/", views.pipeline_move, name="pipeline_move"),
    path("<int:pipeline_id>/stages/new/", views.stage_create, name="stage_create"),
    path("<int:pipeline_id>/stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
    path(
        "<int:pipeline_id>/stages/<int:stage_id>/delete/", views.stage_delete, name="stage_delete"
    ),
    path(
        "<int:pipeline_id>/stages/<int:stage_id>/move/<str:direction>/",
        views.stage_move,
        name="stage_move",
    ),
]
