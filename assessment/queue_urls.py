from django.urls import path

from . import queue_views

urlpatterns = [
    path("queue/", queue_views.assessment_queue, name="assessment_queue"),
    path("workload/", queue_views.assessment_workload, name="assessment_workload"),
]
