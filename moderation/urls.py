from django.urls import include, path

urlpatterns = [
    path("", include("moderation.dashboards.urls")),
    path("", include("moderation.strategies.urls")),
    path("", include("moderation.plans.urls")),
    path("", include("moderation.samples.urls")),
    path("", include("moderation.practice.urls")),
    path("eqa/", include("moderation.external.urls")),
    path("eqa/", include("moderation.external.packs.urls")),
    path("eqa/", include("moderation.external.reports.urls")),
]
