from django.urls import path

from . import views

urlpatterns = [
    path("", views.platform_centres, name="platform_centres"),
    path("centres/new/", views.platform_centre_create, name="platform_centre_create"),
    path("centres/<int:pk>/", views.platform_centre_edit, name="platform_centre_edit"),
    path("centres/<int:pk>/invite/", views.platform_centre_invite, name="platform_centre_invite"),
]
