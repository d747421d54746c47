from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.portfolio_export_request, name="portfolio_export_request"),
    path("learners/<int:pk>/new/", views.portfolio_export_request_for, name="portfolio_export_request_for"),
    path("<int:pk>/download/", views.portfolio_export_file, name="portfolio_export_file"),
    path("<int:pk>/new-link/", views.portfolio_export_new_link, name="portfolio_export_new_link"),
    path("download/<str:token>/", views.portfolio_export_download, name="portfolio_export_download"),
    path("badges/", views.wallet_badges_zip, name="wallet_badges_zip"),
]
