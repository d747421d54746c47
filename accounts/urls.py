from django.urls import path

from . import views

urlpatterns = [
    path("welcome/<str:uidb64>/<str:token>/", views.welcome_set_password, name="welcome_set_password"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
]
