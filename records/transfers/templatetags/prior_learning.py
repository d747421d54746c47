"""Recognised prior learning where other apps' pages show a learner's work (their templates load this; the apps
below never import records)."""

from django import template

from ..selectors import recognised_for_learner

register = template.Library()


@register.simple_tag(takes_context=True)
def recognised_prior_learning(context) -> dict[int, str]:
    """The signed-in learner's accepted prior learning here: criterion id -> source centre. One query."""
    request = context.get("request")
    leap = getattr(request, "leap", None)
    return recognised_for_learner(learner=request.user, centre=leap.centre) if leap else {}


@register.filter
def source_of(recognised: dict, criterion_id) -> str:
    return (recognised or {}).get(criterion_id, "")
