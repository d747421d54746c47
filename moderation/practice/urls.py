from django.urls import path

from moderation.practice import views

urlpatterns = [
    path("observations/", views.observation_list, name="iqa_observation_list"),
    path("observations/schedule/", views.observation_schedule, name="iqa_observation_schedule"),
    path("observations/<int:pk>/", views.observation_detail, name="iqa_observation_detail"),
    path("observations/<int:pk>/record/", views.observation_record, name="iqa_observation_record"),
    path("observations/<int:pk>/cancel/", views.observation_cancel, name="iqa_observation_cancel"),
    path("standardisation/meetings/", views.meeting_list, name="iqa_meeting_list"),
    path("standardisation/meetings/new/", views.meeting_create, name="iqa_meeting_create"),
    path("standardisation/meetings/<int:pk>/", views.meeting_detail, name="iqa_meeting_detail"),
    path("standardisation/meetings/<int:pk>/files/", views.meeting_file_attach, name="iqa_meeting_file_attach"),
    path("standardisation/files/<int:pk>/", views.meeting_file, name="iqa_meeting_file"),
    path("standardisation/attendance/", views.attendance, name="iqa_attendance"),
    path("standardisation/co-marking/", views.co_marking_list, name="iqa_co_marking_list"),
    path("standardisation/co-marking/new/", views.co_marking_create, name="iqa_co_marking_create"),
    path("standardisation/co-marking/<int:pk>/", views.co_marking_detail, name="iqa_co_marking_detail"),
    path("standardisation/co-marking/<int:pk>/judge/", views.co_marking_judge, name="iqa_co_marking_judge"),
    path("standardisation/co-marking/<int:pk>/close/", views.co_marking_close, name="iqa_co_marking_close"),
    path("standardisation/co-marking/<int:pk>/files/<int:file_pk>/", views.co_marking_file,
         name="iqa_co_marking_file"),
]
