"""The sharing parts of pages other apps own: "Share with my group" on the learner's evidence page and showcase
settings, the shared items on a group's page, and the peer comments a learner chose to show their assessor on the
review page. Those pages' views live in lower apps (or in groups), which know nothing of sharing; their templates
include ours (templates/community/sharing/), which load these."""

from django import template

from badges.public.selectors import showcase_of
from community.groups.selectors import group_has_staff

from .. import selectors
from ..age import is_under_18
from ..forms import ShareForm
from ..services import SHAREABLE

register = template.Library()


def _section(*, owner, centre, shares) -> dict:
    choices = selectors.share_choices(owner=owner, centre=centre, shared=shares) if centre else []
    minor = bool(centre) and is_under_18(user=owner, centre=centre)
    if minor:  # only groups with staff in them
        choices = [group for group in choices if group_has_staff(group=group)]
    return {"shown": bool(shares or choices), "shares": shares, "choices": choices, "minor": minor,
            "form": ShareForm(groups=choices) if choices else None}


@register.simple_tag(takes_context=True)
def evidence_sharing(context, evidence) -> dict:
    """The learner's own submitted or accepted evidence: where it is shared, and their groups to share it with."""
    request = context["request"]
    if evidence.enrolment.learner_id != request.user.pk or evidence.status not in SHAREABLE:
        return {"shown": False}
    return _section(owner=request.user, centre=evidence.enrolment.centre,
                    shares=selectors.shares_of(owner=request.user, evidence=evidence))


@register.simple_tag(takes_context=True)
def showcase_sharing(context) -> dict:
    request = context["request"]
    showcase = showcase_of(request.user)
    shares = selectors.shares_of(owner=request.user, showcase=showcase) if showcase else []
    return _section(owner=request.user, centre=request.leap.centre, shares=shares)


@register.simple_tag(takes_context=True)
def group_shared(context, group) -> list:
    return selectors.shared_items_in(group=group, user=context["request"].user)


@register.simple_tag
def review_peer_comments(evidence) -> list:
    return selectors.included_peer_comments(evidence=evidence)


@register.simple_tag(takes_context=True)
def reported_post_ids(context, posts) -> set[int]:
    """Which of these board posts the signed-in person has reported (one query for the whole thread)."""
    return selectors.reported_by(user=context["request"].user, target_kind="post", ids=[p.pk for p in posts])
