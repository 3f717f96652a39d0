from django.urls import path

from accord.workspace import deals, views

app_name = "workspace"

urlpatterns = [
    path("leads/", views.lead_list, name="leads"),
    path("leads/bulk/", views.lead_bulk, name="lead_bulk"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("deals/list/", deals.deal_list, name="deals"),
    path("deals/list/export/", deals.deal_export, name="deal_export"),
    path("search/", views.search, name="search"),
    path("views/save/", views.saved_view_create, name="view_save"),
    path("views/delete/", views.saved_view_delete, name="view_delete"),
]
