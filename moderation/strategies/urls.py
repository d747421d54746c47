from django.urls import path

from moderation.strategies import views

urlpatterns = [
    path("strategies/", views.iqa_strategy_list, name="iqa_strategy_list"),
    path("strategies/new/", views.iqa_strategy_new, name="iqa_strategy_new"),
    path("strategies/<int:pk>/", views.iqa_strategy_detail, name="iqa_strategy_detail"),
    path("strategies/<int:pk>/edit/", views.iqa_strategy_edit, name="iqa_strategy_edit"),
    path("strategies/<int:pk>/approve/", views.iqa_strategy_approve, name="iqa_strategy_approve"),
    path("strategies/<int:pk>/discard/", views.iqa_strategy_discard, name="iqa_strategy_discard"),
    path("strategies/<int:pk>/risk/", views.iqa_assessor_risk, name="iqa_assessor_risk"),
    path("strategies/<int:pk>/risk/override/", views.iqa_risk_override, name="iqa_risk_override"),
    path("strategies/<int:pk>/risk/withdraw/", views.iqa_risk_override_withdraw, name="iqa_risk_override_withdraw"),
]
