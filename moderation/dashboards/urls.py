from django.urls import path

from . import views

urlpatterns = [
    path("", views.iqa_dashboard, name="iqa_dashboard"),
    path("reassign/", views.iqa_reassign, name="iqa_reassign"),
]
