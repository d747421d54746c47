from django.urls import path

from portfolios.plans import views

urlpatterns = [
    path("plans/to-sign/", views.plans_to_sign, name="plans_to_sign"),
    path("enrolments/<int:pk>/plan/", views.plan_detail, name="plan_detail"),
    path("enrolments/<int:pk>/plan/start/", views.plan_start, name="plan_start"),
    path("enrolments/<int:pk>/plan/versions/", views.plan_versions, name="plan_versions"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/", views.plan_version, name="plan_version"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/items/add/", views.plan_item_add, name="plan_item_add"),
    path("enrolments/<int:pk>/plan/items/<int:item_pk>/", views.plan_item_edit, name="plan_item_edit"),
    path("enrolments/<int:pk>/plan/items/<int:item_pk>/delete/", views.plan_item_delete, name="plan_item_delete"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/notes/", views.plan_notes, name="plan_notes"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/document/", views.plan_document_download,
         name="plan_document_download"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/document/upload/", views.plan_document_upload,
         name="plan_document_upload"),
    path("enrolments/<int:pk>/plan/versions/<int:number>/sign/", views.plan_sign, name="plan_sign"),
]
