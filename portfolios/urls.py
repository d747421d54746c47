from django.urls import include, path

from portfolios.enrolments import views

urlpatterns = [
    path("centre/learners/<int:pk>/", views.learner_detail, name="learner_detail"),
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/not-enrolled/", views.caseload_not_enrolled, name="caseload_not_enrolled"),
    path("centre/learners/<int:pk>/enrol/", views.enrolment_create, name="enrolment_create"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/status/", views.enrolment_status, name="enrolment_status"),
    path("", include("portfolios.plans.urls")),
    path("", include("portfolios.evidence.urls")),
]
