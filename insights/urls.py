from django.urls import path

from . import views
from .flags import views as flag_views

urlpatterns = [
    path("", views.insights_home, name="insights_home"),
    path("flags/<int:enrolment>/", flag_views.insights_risk_flag, name="insights_risk_flag"),  # before the slugs
    path("<slug:slug>/", views.insights_report, name="insights_report"),
    path("<slug:slug>/export.<str:fmt>", views.insights_export, name="insights_export"),
    path("<slug:slug>/<slug:bucket>/", views.insights_drill, name="insights_drill"),
]
