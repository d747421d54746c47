from django.urls import include, path

from . import views

urlpatterns = [
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("review/<int:pk>/decide/", views.review_decide_view, name="review_decide"),
    path("review/<int:pk>/voice/", views.review_voice_feedback, name="review_voice_feedback"),
    path("countersign/", views.countersign_queue, name="countersign_queue"),
    path("review/<int:pk>/countersign/", views.review_countersign_view, name="review_countersign"),
    path("enrolments/<int:pk>/units/<int:unit_pk>/", views.unit_record, name="unit_record"),
    path("enrolments/<int:pk>/units/<int:unit_pk>/sign-off/", views.unit_sign_off_view, name="unit_sign_off"),
    path("enrolments/<int:pk>/units/<int:unit_pk>/unlock/", views.unit_unlock_view, name="unit_unlock"),
    path("", include("assessment.queue_urls")),
    path("", include("assessment.timeline_urls")),
    path("", include("assessment.comment_bank.urls")),
]
