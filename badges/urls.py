from django.urls import include, path

urlpatterns = [
    path("", include("badges.award_urls")),
    path("", include("badges.ob3_urls")),
    path("", include("badges.public_urls")),
    path("", include("badges.certificate_urls")),
]
