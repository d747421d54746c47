from django.urls import path

from moderation.external import views

urlpatterns = [
    path("grants/", views.eqa_grant_list, name="eqa_grant_list"),
    path("grants/new/", views.eqa_grant_new, name="eqa_grant_new"),
    path("grants/<int:pk>/", views.eqa_grant_detail, name="eqa_grant_detail"),
    path("grants/<int:pk>/extend/", views.eqa_grant_extend, name="eqa_grant_extend"),
    path("grants/<int:pk>/expand/", views.eqa_grant_expand, name="eqa_grant_expand"),
    path("grants/<int:pk>/revoke/", views.eqa_grant_revoke, name="eqa_grant_revoke"),
    path("grants/<int:pk>/activity/", views.eqa_grant_activity, name="eqa_grant_activity"),
]
