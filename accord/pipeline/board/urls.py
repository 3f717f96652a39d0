from django.urls import path

from accord.pipeline.board import views
from accord.pipeline.deal_page.views import deal_detail

app_name = "deals"

urlpatterns = [
    path("", views.board, name="board"),
    path("<int:deal_id>/", deal_detail, name="deal_detail"),
    path("<int:deal_id>/move/", views.move, name="deal_move"),
]
