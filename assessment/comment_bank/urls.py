from django.urls import path

from . import views

urlpatterns = [
    path("comment-bank/", views.comment_bank, name="comment_bank"),
    path("comment-bank/add/", views.comment_bank_add, name="comment_bank_add"),
    path("comment-bank/<int:pk>/edit/", views.comment_bank_edit, name="comment_bank_edit"),
    path("comment-bank/<int:pk>/delete/", views.comment_bank_delete, name="comment_bank_delete"),
]
