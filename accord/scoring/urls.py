from django.urls import path

from accord.scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.profile_list, name="profile_list"),
    path("new/", views.profile_edit, name="profile_create"),
    path("<int:profile_id>/", views.profile_edit, name="profile_edit"),
]
