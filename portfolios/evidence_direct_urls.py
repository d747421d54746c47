from django.urls import path

from . import evidence_direct_views as views

urlpatterns = [
    path("evidence/<int:pk>/uploads/", views.evidence_upload_presign, name="evidence_upload_presign"),
    path("evidence/<int:pk>/uploads/<int:upload_pk>/confirm/", views.evidence_upload_confirm,
         name="evidence_upload_confirm"),
]
