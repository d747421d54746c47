from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.shared_item, name="shared_item"),
    path("<int:pk>/unshare/", views.unshare, name="shared_item_unshare"),
    path("<int:pk>/comments/", views.comment_new, name="peer_comment_new"),
    path("<int:pk>/files/<int:file_pk>/", views.shared_file, name="shared_file"),
    path("evidence/<int:pk>/share/", views.share_evidence, name="share_evidence"),
    path("showcase/share/", views.share_showcase, name="share_showcase"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="peer_comment_edit"),
    path("comments/<int:pk>/approve/", views.comment_approve, name="peer_comment_approve"),
    path("comments/<int:pk>/remove/", views.comment_remove, name="peer_comment_remove"),
    path("comments/<int:pk>/include/", views.comment_include, name="peer_comment_include"),
    path("comments/<int:pk>/report/", views.report_comment, name="peer_comment_report"),
    path("posts/<int:pk>/report/", views.report_post, name="board_post_report"),
    path("reports/", views.reports, name="sharing_reports"),
    path("reports/mine/", views.reports_sent, name="shared_reports_sent"),
    path("reports/<int:pk>/decide/", views.report_decide, name="sharing_report_decide"),
    path("settings/", views.sharing_settings, name="sharing_settings"),
]
