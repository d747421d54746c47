from django.urls import include, path

urlpatterns = [
    path("", include("badges.awards.urls")),
    path("", include("badges.openbadges.urls")),
    path("", include("badges.public.urls")),
    path("", include("badges.certificates.urls")),
]
