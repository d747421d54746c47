from django.urls import path

from . import timeline_views

urlpatterns = [
    path("enrolments/<int:pk>/timeline/", timeline_views.timeline_learner, name="timeline_learner"),
    path("enrolments/<int:pk>/units/<int:unit_pk>/timeline/", timeline_views.timeline_unit, name="timeline_unit"),
]
