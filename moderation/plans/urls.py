from django.urls import path

from moderation.plans import views

urlpatterns = [
    path("plans/", views.iqa_plan_list, name="iqa_plan_list"),
    path("plans/generate/", views.iqa_plan_generate, name="iqa_plan_generate"),
    path("plans/<int:pk>/", views.iqa_plan_detail, name="iqa_plan_detail"),
    path("plans/<int:pk>/camera/", views.iqa_plan_camera, name="iqa_plan_camera"),
    path("plans/<int:pk>/items/add/", views.iqa_plan_item_add, name="iqa_plan_item_add"),
    path("plans/items/<int:pk>/", views.iqa_plan_item, name="iqa_plan_item"),
    path("plans/items/<int:pk>/remove/", views.iqa_plan_item_remove, name="iqa_plan_item_remove"),
    path("plans/items/<int:pk>/assign/", views.iqa_plan_item_assign, name="iqa_plan_item_assign"),
]
