from django.urls import path

from . import views

urlpatterns = [
    path("", views.prior_learning_upload, name="prior_learning_upload"),
    path("to-decide/", views.prior_learning_to_decide, name="prior_learning_to_decide"),
    path("enrolments/<int:pk>/", views.prior_learning_enrolment, name="prior_learning_enrolment"),
    path("enrolments/<int:pk>/decide/", views.prior_learning_decide, name="prior_learning_decide"),
]
