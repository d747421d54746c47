from django.urls import path

from . import views

urlpatterns = [
    path("", views.data_request_list, name="data_request_list"),
    path("new/", views.data_request_new, name="data_request_new"),
    path("<int:pk>/", views.data_request_detail, name="data_request_detail"),
    path("<int:pk>/refuse/", views.data_request_refuse, name="data_request_refuse"),
    path("<int:pk>/prepare/", views.data_request_prepare, name="data_request_prepare"),
    path("<int:pk>/done/", views.data_request_access_done, name="data_request_access_done"),
    path("<int:pk>/erasure/", views.data_request_erasure_review, name="data_request_erasure_review"),
    path("<int:pk>/erase/", views.data_request_erase, name="data_request_erase"),
    path("<int:pk>/files/<str:what>/", views.data_request_file, name="data_request_file"),
]
