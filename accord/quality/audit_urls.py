from django.urls import path

from accord.quality import audit_views as views
from accord.quality.views import speed_to_lead

app_name = "audits"

urlpatterns = [
    path("", views.audit_index, name="index"),
    path("token/", views.token_mint, name="token"),
    path("templates/new/", views.template_create, name="template_create"),
    path("new/<int:template_id>/", views.audit_record, name="record"),
    path("<int:audit_id>/", views.audit_detail, name="detail"),
    path("coaching/<int:note_id>/done/", views.coaching_done, name="coaching_done"),
    path("speed-to-lead/", speed_to_lead, name="speed"),
]
