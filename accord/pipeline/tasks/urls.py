"""Task pages, mounted at /tasks/."""

from django.urls import path

from accord.pipeline.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_create, name="create"),
    path("<int:task_id>/complete/", views.task_complete, name="complete"),
    path("<int:task_id>/reopen/", views.task_reopen, name="reopen"),
    path("stale-deals/", views.stale_deals, name="stale_deals"),
    path("lead/<int:lead_id>/activity/", views.lead_activity, name="lead_activity"),
    path("lead/<int:lead_id>/task/", views.lead_task, name="lead_task"),
    path("deal/<int:deal_id>/activity/", views.deal_activity, name="deal_activity"),
    path("deal/<int:deal_id>/task/", views.deal_task, name="deal_task"),
]
