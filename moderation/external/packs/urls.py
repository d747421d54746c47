from django.urls import path

from . import views

urlpatterns = [
    path("grants/<int:pk>/packs/new/", views.eqa_pack_request, name="eqa_pack_request"),
    path("packs/<int:pk>/", views.eqa_pack, name="eqa_pack"),
    path("packs/<int:pk>/download/", views.eqa_pack_download, name="eqa_pack_download"),
    path("mine/packs/", views.eqa_mine_packs, name="eqa_mine_packs"),
    path("mine/packs/new/", views.eqa_mine_pack_request, name="eqa_mine_pack_request"),
    path("mine/packs/<int:pk>/", views.eqa_mine_pack, name="eqa_mine_pack"),
    path("mine/packs/<int:pk>/download/", views.eqa_mine_pack_download, name="eqa_mine_pack_download"),
]
