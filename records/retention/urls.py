from django.urls import path

from . import views

urlpatterns = [
    path("", views.retention_rules, name="retention_rules"),
    path("holds/", views.retention_hold_place, name="retention_hold_place"),
    path("holds/<int:pk>/lift/", views.retention_hold_lift, name="retention_hold_lift"),
    path("batches/<int:pk>/", views.retention_batch, name="retention_batch"),
]
