from django.urls import include, path

from . import views

urlpatterns = [
    path("centre/switch/", views.centre_switch, name="centre_switch"),
    path("centre/join/", views.join_centre, name="join_centre"),
    path("centre/settings/", views.centre_settings, name="centre_settings"),
    path("centre/staff/", views.staff_list, name="staff_list"),
    path("centre/staff/<int:pk>/end/", views.staff_membership_end, name="staff_membership_end"),
    path("centre/invitations/<int:pk>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("centre/learners/", views.learner_list, name="learner_list"),
    path("centre/learners/add/", views.learner_add, name="learner_add"),
    path("centre/learners/import/", views.learner_import, name="learner_import"),
    path("centre/learners/<int:pk>/assessor/", views.learner_change_assessor, name="learner_change_assessor"),
    path("centre/<int:pk>/logo/", views.centre_logo, name="centre_logo"),
    path("platform/", include("centres.platform.urls")),
]
