from django.urls import path

from badges.certificates import views

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/<uuid:uuid>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<uuid:uuid>/pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<uuid:uuid>/reissue/", views.certificate_reissue_view, name="certificate_reissue"),
    path("certificates/<uuid:uuid>/revoke/", views.certificate_revoke_view, name="certificate_revoke"),
    path("enrolments/<int:pk>/certificate/", views.certificate_issue_view, name="certificate_issue"),
]
