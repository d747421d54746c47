from django.urls import path

from . import views

urlpatterns = [
    path("evidence/<int:pk>/ask/", views.witness_request_new, name="witness_request_new"),
    path("requests/<int:pk>/revoke/", views.witness_request_revoke_view, name="witness_request_revoke"),
    path("<str:token>/", views.witness_statement, name="witness_statement"),
]
