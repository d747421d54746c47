from django.urls import path

from . import views

urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("new/", views.group_create, name="group_create"),
    path("<int:pk>/", views.group_detail, name="group_detail"),
    path("<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("<int:pk>/archive/", views.group_archive, name="group_archive"),
    path("<int:pk>/members/", views.group_members, name="group_members"),
    path("<int:pk>/members/cohort/", views.group_members_cohort, name="group_members_cohort"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.group_member_remove, name="group_member_remove"),
    path("<int:pk>/board/", views.group_board, name="group_board"),
    path("<int:pk>/board/new/", views.thread_new, name="group_thread_new"),
    path("<int:pk>/threads/<int:thread_pk>/", views.group_thread, name="group_thread"),
    path("<int:pk>/threads/<int:thread_pk>/pin/", views.thread_pin, name="group_thread_pin"),
    path("<int:pk>/threads/<int:thread_pk>/lock/", views.thread_lock, name="group_thread_lock"),
    path("<int:pk>/posts/<int:post_pk>/edit/", views.post_edit, name="group_post_edit"),
    path("<int:pk>/posts/<int:post_pk>/remove/", views.post_delete, name="group_post_delete"),
    path("<int:pk>/posts/<int:post_pk>/hide/", views.post_hide, name="group_post_hide"),
    path("<int:pk>/files/<int:attachment_pk>/", views.post_attachment, name="group_post_attachment"),
]
