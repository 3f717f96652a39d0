from django.urls import path

from accord.scoring.predictive import views

app_name = "predictive"

urlpatterns = [
    path("backtest/", views.backtest_page, name="backtest"),
]
