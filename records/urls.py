from django.urls import include, path

urlpatterns = [
    path("exports/", include("records.exports.urls")),
    path("transfers/", include("records.transfers.urls")),
    path("retention/", include("records.retention.urls")),
    path("requests/", include("records.gdpr.urls")),
]
