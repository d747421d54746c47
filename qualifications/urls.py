from django.urls import path

from . import views

urlpatterns = [
    path("", views.qualification_list, name="qualification_list"),
    path("new/", views.qualification_create, name="qualification_create"),
    path("import/", views.qualification_import, name="qualification_import"),
    path("versions/<int:pk>/", views.version_detail, name="qualification_version"),
    path("versions/<int:pk>/edit/", views.version_edit, name="qualification_version_edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="qualification_version_publish"),
    path("versions/<int:pk>/retire/", views.version_retire, name="qualification_version_retire"),
    path("versions/<int:pk>/new-version/", views.version_new, name="qualification_version_new"),
    path("versions/<int:pk>/export.json", views.version_export, {"fmt": "json"}, name="qualification_export_json"),
    path("versions/<int:pk>/export.csv", views.version_export, {"fmt": "csv"}, name="qualification_export_csv"),
    path("versions/<int:pk>/units/add/", views.unit_add, name="qualification_unit_add"),
    path("units/<int:pk>/edit/", views.unit_edit, name="qualification_unit_edit"),
    path("units/<int:pk>/delete/", views.unit_delete, name="qualification_unit_delete"),
    path("units/<int:pk>/move/", views.unit_move, name="qualification_unit_move"),
    path("units/<int:pk>/outcomes/add/", views.outcome_add, name="qualification_outcome_add"),
    path("outcomes/<int:pk>/edit/", views.outcome_edit, name="qualification_outcome_edit"),
    path("outcomes/<int:pk>/delete/", views.outcome_delete, name="qualification_outcome_delete"),
    path("outcomes/<int:pk>/move/", views.outcome_move, name="qualification_outcome_move"),
    path("outcomes/<int:pk>/criteria/add/", views.criterion_add, name="qualification_criterion_add"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="qualification_criterion_edit"),
    path("criteria/<int:pk>/delete/", views.criterion_delete, name="qualification_criterion_delete"),
    path("criteria/<int:pk>/move/", views.criterion_move, name="qualification_criterion_move"),
]
