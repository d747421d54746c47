"""The export parts of pages other apps own: the learner's "Take your portfolio with you" section on their profile
and the staff button on the learner's page. Those pages' views live in lower apps, which know nothing of exports;
their templates include ours (`records/exports/profile_section.html`, `staff_button.html`), which load these."""

from django import template

from ..models import LINK_DAYS
from ..selectors import has_portfolio, learner_exports, staff_exports
from ..services import may_request_export

register = template.Library()


@register.simple_tag(takes_context=True)
def profile_exports(context) -> dict:
    """The signed-in person's exports of their own portfolio; `shown` when they have one to export."""
    request = context["request"]
    exports = learner_exports(request.user)
    return {"exports": exports, "days": LINK_DAYS,
            "shown": bool(exports) or has_portfolio(request.user, request.leap.all_memberships)}


@register.simple_tag(takes_context=True)
def staff_exports_for(context, membership) -> dict:
    """Whether the member of staff may ask for this learner's export here, and what they asked for lately."""
    request = context["request"]
    centre = request.leap.centre
    allowed = may_request_export(learner=membership.user, actor=request.user, centre=centre, purpose="staff")
    return {"allowed": allowed, "days": LINK_DAYS,
            "exports": staff_exports(learner=membership.user, actor=request.user, centre=centre) if allowed else []}
