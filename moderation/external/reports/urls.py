from django.urls import path

from . import views

urlpatterns = [
    # The external moderator's own report (the only writes the middleware lets them make: eqa_mine_...).
    path("mine/reports/", views.eqa_mine_reports, name="eqa_mine_reports"),
    path("mine/reports/new/", views.eqa_mine_report_new, name="eqa_mine_report_new"),
    path("mine/reports/<int:pk>/", views.eqa_mine_report, name="eqa_mine_report"),
    path("mine/reports/<int:pk>/edit/", views.eqa_mine_report_edit, name="eqa_mine_report_edit"),
    path("mine/reports/<int:pk>/sample/", views.eqa_mine_report_sample, name="eqa_mine_report_sample"),
    path("mine/reports/<int:pk>/judgements/", views.eqa_mine_judgement_add, name="eqa_mine_judgement_add"),
    path("mine/judgements/<int:pk>/remove/", views.eqa_mine_judgement_remove, name="eqa_mine_judgement_remove"),
    path("mine/reports/<int:pk>/ratings/", views.eqa_mine_report_ratings, name="eqa_mine_report_ratings"),
    path("mine/reports/<int:pk>/actions/", views.eqa_mine_action_add, name="eqa_mine_action_add"),
    path("mine/actions/<int:pk>/remove/", views.eqa_mine_action_remove, name="eqa_mine_action_remove"),
    path("mine/reports/<int:pk>/sanction/", views.eqa_mine_report_sanction, name="eqa_mine_report_sanction"),
    path("mine/reports/<int:pk>/sign/", views.eqa_mine_report_sign, name="eqa_mine_report_sign"),
    path("mine/reports/<int:pk>/pdf/", views.eqa_mine_report_pdf, name="eqa_mine_report_pdf"),
    path("mine/comments/", views.eqa_mine_comments, name="eqa_mine_comments"),
    # The centre admin.
    path("reports/<int:pk>/", views.eqa_report_detail, name="eqa_report_detail"),
    path("reports/<int:pk>/acknowledge/", views.eqa_report_acknowledge, name="eqa_report_acknowledge"),
    path("reports/<int:pk>/pdf/", views.eqa_report_pdf, name="eqa_report_pdf"),
    path("reports/<int:pk>/lift-sanction/", views.eqa_sanction_lift, name="eqa_sanction_lift"),
    path("grants/<int:pk>/comments/", views.eqa_report_comments, name="eqa_report_comments"),
    path("checklist/", views.eqa_checklist, name="eqa_checklist"),
    path("checklist/<int:pk>/edit/", views.eqa_checklist_item_edit, name="eqa_checklist_item_edit"),
    path("checklist/<int:pk>/move/", views.eqa_checklist_item_move, name="eqa_checklist_item_move"),
    path("checklist/<int:pk>/active/", views.eqa_checklist_item_active, name="eqa_checklist_item_active"),
    # The centre's staff: EQA action points.
    path("actions/", views.centre_actions, name="centre_actions"),
    path("actions/<int:pk>/done/", views.eqa_action_done, name="eqa_action_done"),
]
