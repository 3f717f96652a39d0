from django.urls import path

from accord.handoff.lead import page as views

app_name = "leads"

urlpatterns = [
    path("<int:lead_id>/", views.lead_detail, name="lead_detail"),
]
