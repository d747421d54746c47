from django.urls import path

from badges.public import views

urlpatterns = [
    path("awards/<uuid:uuid>/", views.award_public, name="award_public"),
    path("awards/<uuid:uuid>/evidence/<int:file_pk>", views.award_public_evidence_file,
         name="award_public_evidence_file"),
    path("awards/<uuid:uuid>/image/<str:kind>", views.award_public_baked, name="award_public_baked"),
    path("awards/<uuid:uuid>/sharing/", views.award_sharing, name="award_sharing"),
    path("awards/<uuid:uuid>/share/<str:target>/", views.award_share, name="award_share"),
    path("wallet/name/", views.public_name_setting, name="public_name_setting"),
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/showcase/", views.showcase_settings, name="showcase_settings"),
    path("showcase/<slug:slug>/", views.showcase_public, name="showcase_public"),
    path("verify/", views.verify, name="verify"),
]
