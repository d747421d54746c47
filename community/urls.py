from django.urls import include, path

urlpatterns = [
    path("messages/", include("community.conversations.urls")),
    path("witness/", include("community.witness.urls")),
    path("groups/", include("community.groups.urls")),
    path("shared/", include("community.sharing.urls")),
]
