from django.urls import path

from accord.intel import views

app_name = "intel"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.post_create, name="post_create"),
    path("<int:post_id>/", views.post_detail, name="post_detail"),
    path("<int:post_id>/seen/", views.post_seen, name="post_seen"),
    path("<int:post_id>/comments/", views.comment_create, name="comment_create"),
    path("<int:post_id>/pin/", views.post_pin, name="post_pin"),
    path("<int:post_id>/ask/", views.ack_request, name="ack_request"),
    path("<int:post_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("competitors/", views.competitor_list, name="competitors"),
    path("competitors/<int:tag_id>/", views.competitor_detail, name="competitor"),
]
