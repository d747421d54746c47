from django.urls import path

from badges.awards import views

urlpatterns = [
    # The centre's badges (centre admins; assessors for their own learners).
    path("classes/", views.badge_class_list, name="badge_class_list"),
    path("classes/new", views.badge_class_create, name="badge_class_create"),
    path("classes/<uuid:uuid>/", views.badge_class_detail, name="badge_class_detail"),
    path("classes/<uuid:uuid>/award", views.award_by_hand, name="award_by_hand"),
    path("classes/<uuid:uuid>/import", views.award_import, name="award_import"),
    path("awards/<uuid:uuid>/revoke", views.award_revoke, name="award_revoke"),
    # The learner's own baked images (named per format too, for the wallet's links).
    path("awards/<uuid:uuid>/download/<str:format>", views.award_download, name="award_download"),
    path("awards/<uuid:uuid>/download/ob2", views.award_download, {"format": "ob2"}, name="award_baked_ob2"),
    path("awards/<uuid:uuid>/download/ob3", views.award_download, {"format": "ob3"}, name="award_baked_ob3"),
    # Open Badges 2.0, hosted: public by design, each at its own `id`.
    path("ob2/assertions/<uuid:uuid>", views.ob2_assertion, name="ob2_assertion"),
    path("ob2/badges/<uuid:uuid>", views.ob2_badge_class, name="ob2_badge_class"),
    path("ob2/badges/<uuid:uuid>/image", views.ob2_badge_image, name="ob2_badge_image"),
    path("ob2/issuers/<int:pk>", views.ob2_issuer, name="ob2_issuer"),
    path("ob2/issuers/<int:pk>/revocations", views.ob2_revocation_list, name="ob2_revocation_list"),
]
