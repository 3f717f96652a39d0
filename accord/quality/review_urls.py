from django.urls import path

from accord.quality import review_views as views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_create, name="create"),
    path("<int:review_id>/", views.review_detail, name="detail"),
    path("<int:review_id>/items/<int:item_id>/rate/", views.review_rate, name="rate"),
    path("<int:review_id>/close/", views.review_close, name="close"),
]
