from django.urls import path

from accord.analytics import views
from accord.analytics.forecast import views as forecast_views
from accord.analytics.promotions import views as promotion_views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("board/", views.board, name="board"),
    path("forecast/", forecast_views.forecast, name="forecast"),
    path("promotions/", promotion_views.promotions, name="promotions"),
    path(
        "promotions/export.csv",
        promotion_views.promotions_export,
        {"format": "csv"},
        name="promotions_csv",
    ),
    path(
        "promotions/export.xlsx",
        promotion_views.promotions_export,
        {"format": "xlsx"},
        name="promotions_xlsx",
    ),
    path("forecast/submit/", forecast_views.forecast_submit, name="forecast_submit"),
    path("forecast/adjust/", forecast_views.forecast_adjust, name="forecast_adjust"),
    path("board/pin/", views.pin_create, name="pin"),
    path("board/<int:pin_id>/unpin/", views.pin_delete, name="unpin"),
    path("board/<int:pin_id>/<str:direction>/", views.pin_move, name="move"),
    path("<slug:name>/", views.report_detail, name="detail"),
    path("<slug:name>/export.csv", views.report_export, name="export"),
]
