from django.urls import path

from portfolios.evidence import direct_views, views

urlpatterns = [
    path("portfolio/", views.my_portfolio, name="my_portfolio"),
    path("enrolments/<int:pk>/portfolio/", views.portfolio, name="portfolio"),
    path("enrolments/<int:pk>/evidence/new/", views.evidence_new, name="evidence_new"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/autosave/", views.evidence_autosave, name="evidence_autosave"),
    path("evidence/<int:pk>/files/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/files/<int:file_pk>/remove/", views.evidence_file_remove_view,
         name="evidence_file_remove"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("evidence/<int:pk>/submit/", views.evidence_submit_view, name="evidence_submit"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw_view, name="evidence_withdraw"),
    path("evidence/files/<int:pk>/", views.evidence_file_download, name="evidence_file"),
    path("evidence/<int:pk>/uploads/", direct_views.evidence_upload_presign, name="evidence_upload_presign"),
    path("evidence/<int:pk>/uploads/<int:upload_pk>/confirm/", direct_views.evidence_upload_confirm,
         name="evidence_upload_confirm"),
]
