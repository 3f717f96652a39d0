from django.urls import path

from accord.integrations.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:endpoint_id>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("<int:endpoint_id>/secret/", views.endpoint_rotate_secret, name="endpoint_rotate"),
    path(
        "deliveries/<int:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
