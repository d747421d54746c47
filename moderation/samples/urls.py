from django.urls import path

from . import views

urlpatterns = [
    path("sampling/", views.iqa_queue, name="iqa_queue"),
    path("sampling/items/<int:pk>/", views.iqa_item, name="iqa_item"),
    path("sampling/items/<int:pk>/start/", views.iqa_item_start, name="iqa_item_start"),
    path("sampling/samples/<int:pk>/", views.iqa_sample, name="iqa_sample"),
    path("sampling/samples/<int:pk>/record/", views.iqa_sample_record, name="iqa_sample_record"),
    path("sampling/samples/<int:pk>/sign/", views.iqa_sample_sign, name="iqa_sample_sign"),
    path("sampling/samples/<int:pk>/second-sign/", views.iqa_sample_second_sign, name="iqa_sample_second_sign"),
    path("sampling/samples/<int:pk>/resample/", views.iqa_sample_resample, name="iqa_sample_resample"),
    path("sampling/samples/<int:pk>/acknowledge/", views.iqa_sample_acknowledge, name="iqa_sample_acknowledge"),
    path("sampling/actions/<int:pk>/close/", views.iqa_action_close, name="iqa_action_close"),
    path("sampling/actions/<int:pk>/reopen/", views.iqa_action_reopen, name="iqa_action_reopen"),
    path("sampling/actions/<int:pk>/done/", views.iqa_action_done, name="iqa_action_done"),
    path("sampling/mine/", views.iqa_my_samples, name="iqa_my_samples"),
]
