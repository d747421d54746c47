from django.urls import path

from . import views

urlpatterns = [
    path("", views.conversation_list, name="conversation_list"),
    path("<int:pk>/", views.conversation_detail, name="conversation_detail"),
    path("<int:pk>/send/", views.message_send_view, name="message_send"),
    path("files/<int:pk>/", views.message_file_download, name="message_file"),
    path("files/<int:pk>/to-evidence/", views.message_file_to_evidence_view, name="message_file_to_evidence"),
]
