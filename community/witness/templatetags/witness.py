"""Witness statements where the evidence is shown: the evidence page (learner and staff) and the assessor's review
page. Those pages belong to apps below this one, so their templates load this library (they never import it)."""

from django import template

from centres.services import ServiceError

from ..selectors import requests_of, statements_of
from ..services import ensure_may_ask, is_new_since_submission, may_revoke, requester_kind

register = template.Library()


@register.inclusion_tag("community/witness/includes/evidence_panel.html", takes_context=True)
def witness_panel(context, evidence) -> dict:
    """The evidence's witness requests and statements, the way to ask one, and (for the requester or the
    assessor) to withdraw a waiting link. Five queries at most, however many requests there are."""
    user = context["request"].user
    requests = list(requests_of(evidence))
    for witness_request in requests:
        witness_request.evidence = evidence  # the page's own: no query per request
        witness_request.may_revoke = witness_request.is_usable and may_revoke(witness_request=witness_request,
                                                                              actor=user)
        statement = getattr(witness_request, "statement", None)
        witness_request.new_since_submission = bool(statement) and is_new_since_submission(statement, evidence)
    return {"evidence": evidence, "requests": requests, "may_ask": _may_ask(evidence, user),
            "staff": requester_kind(evidence=evidence, actor=user) != "learner",
            "csrf_token": context.get("csrf_token")}


def _may_ask(evidence, user) -> bool:
    if requester_kind(evidence=evidence, actor=user) is None:
        return False
    try:
        ensure_may_ask(evidence=evidence, actor=user)
    except ServiceError:
        return False
    return True


@register.inclusion_tag("community/witness/includes/review_statements.html")
def witness_statements_for_review(evidence, submission) -> dict:
    """The statements received about the evidence, for the assessor to weigh with the revision under review; those
    that arrived after it was submitted say so. Two queries."""
    statements = statements_of(evidence)
    for statement in statements:
        statement.after_this_revision = statement.submitted_at > submission.submitted_at
    return {"statements": statements, "staff": True}
